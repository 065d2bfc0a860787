import GRDB

/// Versioned migrations. Never edit a shipped migration: add a new one, because boxes in the field
/// have already run the old ones.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-identities-clients-audit") { db in
            try db.execute(sql: """
                CREATE TABLE identity (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    environment TEXT NOT NULL,
                    flow TEXT NOT NULL CHECK (flow IN ('api_key', 'oauth')),
                    api_key TEXT,
                    client_id TEXT,
                    scopes TEXT NOT NULL DEFAULT '',
                    signer TEXT NOT NULL DEFAULT 'default',
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE TABLE client (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    key_id TEXT NOT NULL UNIQUE,
                    key_hash BLOB NOT NULL,
                    default_identity_id INTEGER REFERENCES identity(id) ON DELETE RESTRICT,
                    allowed_identities TEXT NOT NULL DEFAULT '[]',
                    allowed_routes TEXT NOT NULL DEFAULT '["*"]',
                    ip_allow TEXT NOT NULL DEFAULT '[]',
                    rate_per_minute INTEGER,
                    created_at TEXT NOT NULL,
                    revoked_at TEXT
                );
                CREATE TABLE audit (
                    seq INTEGER PRIMARY KEY,
                    at TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    subject TEXT NOT NULL DEFAULT '',
                    detail TEXT NOT NULL DEFAULT '{}',
                    prev_hash BLOB NOT NULL,
                    hash BLOB NOT NULL
                );
                CREATE TABLE quota_counter (
                    scope TEXT NOT NULL,
                    window_start INTEGER NOT NULL,
                    count INTEGER NOT NULL,
                    PRIMARY KEY (scope, window_start)
                );
                """)
        }
        return migrator
    }
}
