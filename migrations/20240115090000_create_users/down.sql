-- Drops the users table (its index and comment go with it).
DROP INDEX users_email_lower_key;
DROP TABLE users;
