-- Removes the updated_at triggers and their function.
DROP TRIGGER orders_set_updated_at ON orders;
DROP TRIGGER products_set_updated_at ON products;
DROP TRIGGER users_set_updated_at ON users;
DROP FUNCTION set_updated_at();
