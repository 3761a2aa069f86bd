-- Drops order items, orders and the order status type, in that order.
DROP INDEX order_items_product_id_idx;
DROP TABLE order_items;
DROP INDEX orders_placed_at_idx;
DROP INDEX orders_user_id_idx;
DROP TABLE orders;
DROP TYPE order_status;
