CREATE TABLE `assignments` (
	`site_key` text NOT NULL,
	`visitor_id` text NOT NULL,
	`offer_id` text NOT NULL,
	`variant` text,
	`group_name` text NOT NULL,
	`assigned_at` integer NOT NULL,
	PRIMARY KEY(`site_key`, `visitor_id`, `offer_id`)
);
--> statement-breakpoint
CREATE TABLE `offer_events` (
	`site_key` text NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`visitor_id` text NOT NULL,
	`session_id` text NOT NULL,
	`decision_id` text NOT NULL,
	`offer_id` text,
	`variant` text,
	`group_name` text NOT NULL,
	`occurred_at` integer NOT NULL,
	PRIMARY KEY(`site_key`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `offer_events_offer` ON `offer_events` (`site_key`,`offer_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `offer_events_visitor` ON `offer_events` (`site_key`,`visitor_id`);--> statement-breakpoint
CREATE TABLE `offers` (
	`site_key` text NOT NULL,
	`id` text NOT NULL,
	`definition` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`site_key`, `id`)
);
--> statement-breakpoint
ALTER TABLE `decisions` ADD `page_id` text;--> statement-breakpoint
ALTER TABLE `decisions` ADD `variant` text;--> statement-breakpoint
ALTER TABLE `decisions` ADD `group_name` text;--> statement-breakpoint
ALTER TABLE `decisions` ADD `forced` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `coupon` text;