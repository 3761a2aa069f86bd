-- Adds reporting views: order totals (per currency), and daily revenue per currency
-- (cancelled orders excluded).
CREATE VIEW order_totals AS
SELECT o.id                                     AS order_id,
       o.user_id,
       o.status,
       o.placed_at,
       p.currency,
       sum(i.quantity * i.unit_price_cents)::bigint AS total_cents,
       sum(i.quantity)::bigint                  AS item_count
FROM orders o
JOIN order_items i ON i.order_id = o.id
JOIN products p ON p.id = i.product_id
GROUP BY o.id, o.user_id, o.status, o.placed_at, p.currency;

CREATE VIEW daily_sales AS
SELECT date_trunc('day', placed_at)::date AS day,
       currency,
       count(DISTINCT order_id)           AS orders,
       sum(total_cents)::bigint           AS revenue_cents
FROM order_totals
WHERE status <> 'cancelled'
GROUP BY 1, 2;

COMMENT ON VIEW daily_sales IS 'Revenue per day and currency; excludes cancelled orders.';
