CREATE TABLE `import_job_keys` (
	`job_id` text NOT NULL,
	`kind` text NOT NULL,
	`key` text NOT NULL,
	`row` integer DEFAULT 0 NOT NULL,
	`value` text,
	PRIMARY KEY(`job_id`, `kind`, `key`),
	FOREIGN KEY (`job_id`) REFERENCES `import_jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `import_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`r2_key` text NOT NULL,
	`file_name` text DEFAULT '' NOT NULL,
	`byte_size` integer NOT NULL,
	`state` text DEFAULT 'validating' NOT NULL,
	`columns` text,
	`step` integer DEFAULT 0 NOT NULL,
	`byte_offset` integer DEFAULT 0 NOT NULL,
	`row_number` integer DEFAULT 0 NOT NULL,
	`rows_total` integer,
	`rows_validated` integer DEFAULT 0 NOT NULL,
	`rows_imported` integer DEFAULT 0 NOT NULL,
	`products_imported` integer DEFAULT 0 NOT NULL,
	`error_count` integer DEFAULT 0 NOT NULL,
	`errors` text DEFAULT '[]' NOT NULL,
	`pending_products` text,
	`created_by` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "import_jobs_state_known" CHECK("import_jobs"."state" IN ('validating', 'importing', 'done', 'failed'))
);
--> statement-breakpoint
CREATE INDEX `import_jobs_created_idx` ON `import_jobs` (`created_at`);