CREATE TABLE `value_models` (
	`site_key` text PRIMARY KEY NOT NULL,
	`fitted_at` integer NOT NULL,
	`calibration_end` integer NOT NULL,
	`customers` integer NOT NULL,
	`repeat_customers` integer NOT NULL,
	`status` text NOT NULL,
	`findings` text NOT NULL,
	`bgnbd` text,
	`gamma_gamma` text
);
--> statement-breakpoint
ALTER TABLE `profiles` ADD `probability_alive` real;--> statement-breakpoint
ALTER TABLE `profiles` ADD `expected_orders_30` real;--> statement-breakpoint
ALTER TABLE `profiles` ADD `expected_orders_90` real;--> statement-breakpoint
ALTER TABLE `profiles` ADD `expected_orders_365` real;--> statement-breakpoint
ALTER TABLE `profiles` ADD `expected_order_value` integer;--> statement-breakpoint
ALTER TABLE `profiles` ADD `predicted_value` integer;