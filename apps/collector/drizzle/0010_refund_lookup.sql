DROP INDEX `events_site_time`;--> statement-breakpoint
CREATE INDEX `events_refund_transaction` ON `events` (`site_key`,`transaction_id`) WHERE type = 'refund';