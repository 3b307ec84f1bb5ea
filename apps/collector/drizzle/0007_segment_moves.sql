CREATE TABLE `segment_moves` (
	`site_key` text NOT NULL,
	`profile_id` text NOT NULL,
	`from_segment` text,
	`to_segment` text,
	`moved_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `segment_moves_site` ON `segment_moves` (`site_key`,`moved_at`);