-- Creates the product catalogue. Prices are stored in cents to avoid
-- rounding issues.
CREATE TABLE products (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku         text        NOT NULL,
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    price_cents integer     NOT NULL CHECK (price_cents >= 0),
    currency    char(3)     NOT NULL DEFAULT 'EUR',
    stock       integer     NOT NULL DEFAULT 0 CHECK (stock >= 0),
    active      boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT products_sku_key UNIQUE (sku)
);

CREATE INDEX products_active_name_idx ON products (name) WHERE active;

COMMENT ON COLUMN products.price_cents IS 'Unit price in the smallest currency unit (e.g. 1999 = 19.99).';
