CREATE TABLE `payments` (
	`order_id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`status` text DEFAULT 'creating' NOT NULL,
	`checkout_session_id` text,
	`checkout_url` text,
	`checkout_expires_at` integer,
	`checkout_attempt` integer DEFAULT 0 NOT NULL,
	`payment_intent_id` text,
	`amount_cents` integer NOT NULL,
	`currency` text NOT NULL,
	`received_cents` integer,
	`refunded_cents` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE restrict,
	CONSTRAINT "payments_provider_known" CHECK("payments"."provider" IN ('stripe', 'local')),
	CONSTRAINT "payments_status_known" CHECK("payments"."status" IN ('creating', 'open', 'complete', 'failed', 'expired')),
	CONSTRAINT "payments_amount_nonnegative" CHECK("payments"."amount_cents" >= 0),
	CONSTRAINT "payments_refunded_nonnegative" CHECK("payments"."refunded_cents" >= 0),
	CONSTRAINT "payments_currency_format" CHECK(length("payments"."currency") = 3 AND "payments"."currency" = upper("payments"."currency"))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payments_checkout_session_unique` ON `payments` (`checkout_session_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `payments_payment_intent_unique` ON `payments` (`payment_intent_id`);--> statement-breakpoint
CREATE TABLE `refunds` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`provider_refund_id` text,
	`amount_cents` integer NOT NULL,
	`restock` integer NOT NULL,
	`reason` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE restrict,
	CONSTRAINT "refunds_amount_positive" CHECK("refunds"."amount_cents" > 0),
	CONSTRAINT "refunds_id_length" CHECK(length("refunds"."id") BETWEEN 1 AND 200),
	CONSTRAINT "refunds_status_known" CHECK("refunds"."status" IN ('pending', 'succeeded', 'failed'))
);
--> statement-breakpoint
CREATE INDEX `refunds_order_idx` ON `refunds` (`order_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `refunds_provider_refund_unique` ON `refunds` (`provider_refund_id`);--> statement-breakpoint
CREATE TABLE `stripe_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`order_id` text,
	`outcome` text NOT NULL,
	`received_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `stripe_events_order_idx` ON `stripe_events` (`order_id`);--> statement-breakpoint
ALTER TABLE `orders` ADD `payment_status` text DEFAULT 'unpaid' NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `review_reason` text;