CREATE TABLE `content_pages` (
	`slug` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `store_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`time_zone` text DEFAULT 'UTC' NOT NULL,
	`low_stock_threshold` integer DEFAULT 5 NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	CONSTRAINT "store_settings_singleton" CHECK("store_settings"."id" = 1),
	CONSTRAINT "store_settings_threshold" CHECK("store_settings"."low_stock_threshold" >= 0)
);
--> statement-breakpoint
INSERT INTO `store_settings` (`id`) VALUES (1);
