CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`site_key` text NOT NULL,
	`webhook_id` text NOT NULL,
	`event` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`profile_id` text,
	`body` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`last_status` integer,
	`created_at` integer NOT NULL,
	`delivered_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_moment` ON `webhook_deliveries` (`site_key`,`webhook_id`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_due` ON `webhook_deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_profile` ON `webhook_deliveries` (`site_key`,`profile_id`);--> statement-breakpoint
CREATE TABLE `webhook_marks` (
	`site_key` text NOT NULL,
	`profile_id` text NOT NULL,
	`segment` text,
	`tier` text,
	`lapsing` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`site_key`, `profile_id`)
);
--> statement-breakpoint
CREATE INDEX `profiles_cart_updated` ON `profiles` (`site_key`,`cart_updated_at`);