-- Hand-written from here: a redemption is refused, and with it the whole batch that places its order, when its discount is switched off or outside its dates at that moment, or when the buyer already holds as many live redemptions of it as allowed. The total limit is the CHECK on discounts.times_used, named here by a trigger of its own. Messages are read by redemptionRefusal in src/discounts/service.ts.
CREATE TRIGGER `discount_redemptions_check_insert` BEFORE INSERT ON `discount_redemptions`
BEGIN
	SELECT RAISE(ABORT, 'discount_refused:inactive') WHERE NOT EXISTS (SELECT 1 FROM `discounts` WHERE `id` = new.`discount_id` AND `is_active` = 1);
	SELECT RAISE(ABORT, 'discount_refused:not_started') WHERE EXISTS (SELECT 1 FROM `discounts` WHERE `id` = new.`discount_id` AND `starts_at` IS NOT NULL AND `starts_at` > cast(unixepoch('subsec') * 1000 as integer));
	SELECT RAISE(ABORT, 'discount_refused:expired') WHERE EXISTS (SELECT 1 FROM `discounts` WHERE `id` = new.`discount_id` AND `ends_at` IS NOT NULL AND `ends_at` <= cast(unixepoch('subsec') * 1000 as integer));
	SELECT RAISE(ABORT, 'discount_refused:customer_limit') WHERE EXISTS (
		SELECT 1 FROM `discounts` `d` WHERE `d`.`id` = new.`discount_id` AND `d`.`per_customer_limit` IS NOT NULL
		AND (SELECT count(*) FROM `discount_redemptions` `r` WHERE `r`.`discount_id` = new.`discount_id` AND `r`.`customer_key` = new.`customer_key` AND `r`.`released_at` IS NULL) >= `d`.`per_customer_limit`
	);
END;
--> statement-breakpoint
CREATE TRIGGER `discounts_usage_limit_check` BEFORE UPDATE OF `times_used` ON `discounts`
WHEN new.`usage_limit` IS NOT NULL AND new.`times_used` > old.`times_used` AND new.`times_used` > new.`usage_limit`
BEGIN
	SELECT RAISE(ABORT, 'discount_refused:used_up');
END;
