-- Drops the reporting views, dependent view first.
DROP VIEW daily_sales;
DROP VIEW order_totals;
