CREATE TABLE `decisions` (
	`id` text PRIMARY KEY NOT NULL,
	`site_key` text NOT NULL,
	`visitor_id` text NOT NULL,
	`session_id` text,
	`placement` text,
	`offer_id` text,
	`reasons` text NOT NULL,
	`decided_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `decisions_visitor` ON `decisions` (`site_key`,`visitor_id`,`decided_at`);--> statement-breakpoint
CREATE TABLE `events` (
	`site_key` text NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`name` text,
	`visitor_id` text NOT NULL,
	`session_id` text NOT NULL,
	`user_id` text,
	`occurred_at` integer NOT NULL,
	`client_time` integer NOT NULL,
	`received_at` integer NOT NULL,
	`url` text,
	`referrer` text,
	`title` text,
	`transaction_id` text,
	`currency` text,
	`value` integer,
	`items` text,
	`data` text,
	PRIMARY KEY(`site_key`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_purchase_transaction` ON `events` (`site_key`,`transaction_id`) WHERE type = 'purchase';--> statement-breakpoint
CREATE INDEX `events_visitor_time` ON `events` (`site_key`,`visitor_id`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `quarantine` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`site_key` text NOT NULL,
	`received_at` integer NOT NULL,
	`batch_index` integer NOT NULL,
	`payload` text NOT NULL,
	`issues` text NOT NULL
);
