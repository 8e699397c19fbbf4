-- The seed's user and activity tables (seed §2.2, gateway spec §13), with the DESIGN §10 types:
-- instants are epoch milliseconds UTC, and the database never rewrites a column by itself
-- (last_login_at_ms changes only when a login sets it). Binary collation compares and orders
-- text as SQLite does.

CREATE TABLE users (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  issuer VARCHAR(32) NOT NULL,
  wp_user_id VARCHAR(64) NOT NULL,
  email VARCHAR(255) NOT NULL,
  display_name VARCHAR(255) NULL,
  roles_json TEXT NOT NULL DEFAULT '[]',
  is_admin TINYINT NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
  subscription_tier VARCHAR(128) NULL,
  timezone VARCHAR(64) NULL,
  screen_name VARCHAR(100) NULL,
  show_screen_name TINYINT NOT NULL DEFAULT 1 CHECK (show_screen_name IN (0, 1)),
  created_at_ms BIGINT NOT NULL,
  last_login_at_ms BIGINT NULL,
  CONSTRAINT users_issuer_wp_user_id UNIQUE (issuer, wp_user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Activity snapshots look users up by email.
CREATE INDEX users_email ON users (email);

CREATE TABLE user_activity_snapshots (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  snapshot_time_ms BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  CONSTRAINT user_activity_snapshots_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX user_activity_snapshots_user_time ON user_activity_snapshots (user_id, snapshot_time_ms);
-- Retention deletes by time alone.
CREATE INDEX user_activity_snapshots_time ON user_activity_snapshots (snapshot_time_ms);

CREATE TABLE hourly_activity_aggregates (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  hour_start_ms BIGINT NOT NULL,
  user_count INT NOT NULL DEFAULT 0 CHECK (user_count >= 0),
  CONSTRAINT hourly_activity_aggregates_hour UNIQUE (hour_start_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
