CREATE TABLE `identities` (
	`site_key` text NOT NULL,
	`visitor_id` text NOT NULL,
	`profile_id` text NOT NULL,
	PRIMARY KEY(`site_key`, `visitor_id`)
);
--> statement-breakpoint
CREATE INDEX `identities_profile` ON `identities` (`site_key`,`profile_id`);--> statement-breakpoint
CREATE TABLE `orders` (
	`site_key` text NOT NULL,
	`transaction_id` text NOT NULL,
	`profile_id` text NOT NULL,
	`visitor_id` text,
	`session_id` text,
	`placed_at` integer NOT NULL,
	`currency` text NOT NULL,
	`value` integer NOT NULL,
	`refunded` integer DEFAULT 0 NOT NULL,
	`items` text DEFAULT '[]' NOT NULL,
	`source` text NOT NULL,
	PRIMARY KEY(`site_key`, `transaction_id`)
);
--> statement-breakpoint
CREATE INDEX `orders_profile` ON `orders` (`site_key`,`profile_id`,`placed_at`);--> statement-breakpoint
CREATE TABLE `profiles` (
	`site_key` text NOT NULL,
	`id` text NOT NULL,
	`user_id` text,
	`first_seen` integer NOT NULL,
	`last_seen` integer NOT NULL,
	`sessions` integer DEFAULT 0 NOT NULL,
	`page_views` integer DEFAULT 0 NOT NULL,
	`product_views` integer DEFAULT 0 NOT NULL,
	`orders` integer DEFAULT 0 NOT NULL,
	`revenue` integer DEFAULT 0 NOT NULL,
	`refunded` integer DEFAULT 0 NOT NULL,
	`first_order_at` integer,
	`last_order_at` integer,
	`cart` text DEFAULT '[]' NOT NULL,
	`cart_value` integer DEFAULT 0 NOT NULL,
	`cart_updated_at` integer,
	`interests` text DEFAULT '{"categories":{},"products":{}}' NOT NULL,
	`bought` text DEFAULT '[]' NOT NULL,
	`traits` text DEFAULT '{}' NOT NULL,
	PRIMARY KEY(`site_key`, `id`)
);
--> statement-breakpoint
CREATE INDEX `profiles_revenue` ON `profiles` (`site_key`,`revenue`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`site_key` text NOT NULL,
	`id` text NOT NULL,
	`profile_id` text NOT NULL,
	`started_at` integer NOT NULL,
	PRIMARY KEY(`site_key`, `id`)
);
--> statement-breakpoint
CREATE INDEX `sessions_profile` ON `sessions` (`site_key`,`profile_id`);