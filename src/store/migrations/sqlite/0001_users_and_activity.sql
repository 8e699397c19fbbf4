-- The seed's user and activity tables (seed §2.2, gateway spec §13), with the DESIGN §10 types:
-- instants are epoch milliseconds UTC, and the database never rewrites a column by itself
-- (last_login_at_ms changes only when a login sets it). STRICT tables and CHECKs give SQLite the
-- type and length limits MySQL enforces in strict mode, so both backends accept and refuse the
-- same rows.

CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  issuer TEXT NOT NULL CHECK (length(issuer) <= 32),
  wp_user_id TEXT NOT NULL CHECK (length(wp_user_id) <= 64),
  email TEXT NOT NULL CHECK (length(email) <= 255),
  display_name TEXT CHECK (length(display_name) <= 255),
  roles_json TEXT NOT NULL DEFAULT '[]',
  is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
  subscription_tier TEXT CHECK (length(subscription_tier) <= 128),
  timezone TEXT CHECK (length(timezone) <= 64),
  screen_name TEXT CHECK (length(screen_name) <= 100),
  show_screen_name INTEGER NOT NULL DEFAULT 1 CHECK (show_screen_name IN (0, 1)),
  created_at_ms INTEGER NOT NULL,
  last_login_at_ms INTEGER,
  CONSTRAINT users_issuer_wp_user_id UNIQUE (issuer, wp_user_id)
) STRICT;

-- Activity snapshots look users up by email.
CREATE INDEX users_email ON users (email);

CREATE TABLE user_activity_snapshots (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  snapshot_time_ms INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  CONSTRAINT user_activity_snapshots_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) STRICT;

CREATE INDEX user_activity_snapshots_user_time ON user_activity_snapshots (user_id, snapshot_time_ms);
-- Retention deletes by time alone.
CREATE INDEX user_activity_snapshots_time ON user_activity_snapshots (snapshot_time_ms);

CREATE TABLE hourly_activity_aggregates (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hour_start_ms INTEGER NOT NULL,
  user_count INTEGER NOT NULL DEFAULT 0 CHECK (user_count >= 0),
  CONSTRAINT hourly_activity_aggregates_hour UNIQUE (hour_start_ms)
) STRICT;
