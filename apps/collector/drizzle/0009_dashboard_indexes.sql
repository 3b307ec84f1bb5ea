CREATE INDEX `events_site_time_visitor` ON `events` (`site_key`,`occurred_at`,`visitor_id`,`type`);--> statement-breakpoint
CREATE INDEX `orders_site_time` ON `orders` (`site_key`,`placed_at`,`currency`,`value`,`refunded`,`profile_id`);--> statement-breakpoint
CREATE INDEX `refunds_profile` ON `refunds` (`site_key`,`profile_id`,`refunded_at`);--> statement-breakpoint
CREATE INDEX `refunds_site_time` ON `refunds` (`site_key`,`refunded_at`);