-- Drops the product catalogue.
DROP INDEX products_active_name_idx;
DROP TABLE products;
