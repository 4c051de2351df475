ALTER TABLE `carts` ADD `contact_email` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `guest_checkout` integer DEFAULT false NOT NULL;--> statement-breakpoint
-- Hand-written from here: every profile's default shipping address becomes the default row of its owner's address book (its phone the profile's), and the profile stops holding its own copy.
INSERT INTO `addresses` (`user_id`, `name`, `line1`, `line2`, `city`, `region`, `postal_code`, `country`, `phone`, `is_default`, `created_at`, `updated_at`)
SELECT `p`.`user_id`, trim(json_extract(`p`.`default_shipping_address`, '$.name')), trim(json_extract(`p`.`default_shipping_address`, '$.line1')), nullif(trim(coalesce(json_extract(`p`.`default_shipping_address`, '$.line2'), '')), ''), trim(json_extract(`p`.`default_shipping_address`, '$.city')), nullif(trim(coalesce(json_extract(`p`.`default_shipping_address`, '$.region'), '')), ''), trim(json_extract(`p`.`default_shipping_address`, '$.postal_code')), upper(trim(json_extract(`p`.`default_shipping_address`, '$.country'))), `p`.`phone`, 1, `p`.`updated_at`, `p`.`updated_at`
FROM `user_profiles` `p`
WHERE `p`.`default_shipping_address` IS NOT NULL AND json_valid(`p`.`default_shipping_address`)
  AND coalesce(trim(json_extract(`p`.`default_shipping_address`, '$.name')), '') <> '' AND coalesce(trim(json_extract(`p`.`default_shipping_address`, '$.line1')), '') <> ''
  AND coalesce(trim(json_extract(`p`.`default_shipping_address`, '$.city')), '') <> '' AND coalesce(trim(json_extract(`p`.`default_shipping_address`, '$.postal_code')), '') <> ''
  AND length(trim(json_extract(`p`.`default_shipping_address`, '$.country'))) = 2
  AND NOT EXISTS (SELECT 1 FROM `addresses` `a` WHERE `a`.`user_id` = `p`.`user_id` AND `a`.`is_default` = 1);--> statement-breakpoint
UPDATE `user_profiles` SET `default_shipping_address` = NULL WHERE `user_id` IN (SELECT `user_id` FROM `addresses` WHERE `is_default` = 1);
