public import GRDB

extension StateDatabase {
    /// Runs `body` in a savepoint of the transaction this connection is in, so that an error undoes `body`'s
    /// writes alone; outside a transaction, in a transaction of its own (as GRDB's `inSavepoint`).
    ///
    /// Its three statements are prepared once per connection: `inSavepoint` parses `SAVEPOINT` and `RELEASE` on
    /// every call, which was about 2 % of a burst's instructions where each file's commit takes a savepoint (#18).
    ///
    /// - Throws: `body`'s error after its writes are undone, or SQLite's when the savepoint cannot be taken or
    ///   released (the transaction was rolled back under it: a full disk, say).
    public func inPreparedSavepoint(_ body: () throws -> Void) throws {
        guard isInsideTransaction else {
            try inSavepoint {
                try body()
                return .commit
            }
            return
        }
        try cachedStatement(sql: "SAVEPOINT ferry").execute()
        do {
            try body()
        } catch {
            // Undone and released; the body's error is the one that says what happened.
            try? cachedStatement(sql: "ROLLBACK TRANSACTION TO SAVEPOINT ferry").execute()
            try? cachedStatement(sql: "RELEASE SAVEPOINT ferry").execute()
            throw error
        }
        try cachedStatement(sql: "RELEASE SAVEPOINT ferry").execute()
    }
}
