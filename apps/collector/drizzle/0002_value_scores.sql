CREATE TABLE `refunds` (
	`site_key` text NOT NULL,
	`id` text NOT NULL,
	`profile_id` text NOT NULL,
	`refunded_at` integer NOT NULL,
	`currency` text NOT NULL,
	`amount` integer NOT NULL,
	`source` text NOT NULL,
	PRIMARY KEY(`site_key`, `id`)
);
--> statement-breakpoint
CREATE TABLE `scoring_runs` (
	`site_key` text PRIMARY KEY NOT NULL,
	`computed_at` integer NOT NULL,
	`customers` integer NOT NULL,
	`status` text NOT NULL,
	`min_customers` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `profiles` ADD `segment` text;--> statement-breakpoint
ALTER TABLE `profiles` ADD `rfm` text;--> statement-breakpoint
ALTER TABLE `profiles` ADD `tier` text;--> statement-breakpoint
CREATE INDEX `profiles_segment` ON `profiles` (`site_key`,`segment`,`revenue`);