CREATE INDEX `decisions_site_time` ON `decisions` (`site_key`,`decided_at`);--> statement-breakpoint
CREATE INDEX `events_site_time` ON `events` (`site_key`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `offer_events_site_time` ON `offer_events` (`site_key`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `quarantine_site_time` ON `quarantine` (`site_key`,`received_at`);