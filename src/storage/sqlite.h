// A small RAII wrapper over the SQLite C API: a connection, prepared statements, an
// immediate transaction guard and numbered schema migrations.
//
// Thread-safety: none per connection. A Database and every Statement prepared from it must be
// used by one thread at a time; callers that share a connection serialise on their own mutex
// (the connection is opened without SQLite's own per-connection mutex). Distinct connections,
// in this process or another, may use the same file: WAL lets readers run beside one writer and
// `busy_timeout` makes a writer wait for another instead of failing at once.
//
// Failures are values: every SQLite error becomes a core::Error whose message names the
// operation and SQLite's reason, never the database's file path. Codes: Unavailable (busy,
// locked, I/O, disk full, cannot open; retry later), DataLoss (not a database, corrupt),
// FailedPrecondition (a constraint such as UNIQUE or NOT NULL), Internal (SQL syntax, misuse,
// a bad parameter index: a bug).
//
//   auto db = storage::Database::Open(dir / "ledger.db");
//   auto stmt = db->Prepare("SELECT cost FROM spend WHERE day = ?1");
//   stmt->Bind(1, day);
//   while (true) {
//     auto step = stmt->Step();
//     if (!step.ok()) return std::move(step).error();
//     if (*step == storage::StepResult::kDone) break;
//     total += stmt->ColumnDouble(0);
//   }
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace recipe_rag::storage {

enum class StepResult {
  kRow,   // a result row is available through the Column*() accessors
  kDone,  // the statement has finished; Reset() before running it again
};

// One prepared statement. Move-only; finalised on destruction. Must not outlive its Database.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds parameter `index` (1-based, as in "?1"). Text is copied. A binding error (an index
  // out of range) is kept and returned by the next Step(), so binds can be chained.
  template <class T>
  requires std::integral<T> Statement& Bind(int index, T value) {
    return BindInt64(index, static_cast<std::int64_t>(value));
  }
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::string_view value);
  Statement& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Statement& Bind(int index, std::nullptr_t);

  // Runs the statement to its next row. After an error, Reset() before using it again.
  core::Result<StepResult> Step();
  // Runs a statement that returns no rows (or whose rows are not needed) to completion, then
  // resets it, keeping its bindings cleared for the next use.
  core::Status Run();

  // Columns of the current row (0-based). NULL reads as 0, 0.0 or "".
  std::int64_t ColumnInt(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;
  bool ColumnIsNull(int column) const;

  // Makes the statement ready to run again and clears its bindings and any pending bind error.
  void Reset();

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement& BindInt64(int index, std::int64_t value);
  Statement& Check(int rc, int index);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::optional<core::Error> bind_error_;
};

struct DatabaseOptions {
  std::chrono::milliseconds busy_timeout{5000};  // how long a write waits for another writer
};

// One connection to a database file. Move-only; closed on destruction (statements still alive
// keep the connection open until they are finalised).
class Database {
 public:
  // Opens or creates the file; its parent directory must exist (the caller creates it). Sets
  // journal_mode=WAL, synchronous=NORMAL, busy_timeout and foreign_keys=ON. Unavailable when
  // the file cannot be opened or WAL cannot be enabled; DataLoss when it is not a database.
  // ":memory:" opens a private in-memory database (its journal stays in memory).
  static core::Result<Database> Open(const std::filesystem::path& path,
                                     const DatabaseOptions& options = {});

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more ';'-separated statements that take no parameters; rows are discarded.
  core::Status Exec(std::string_view sql);
  // Compiles one statement. Internal on a syntax error or an unknown table or column.
  core::Result<Statement> Prepare(std::string_view sql);

  // Rows inserted, updated or deleted by the last completed INSERT, UPDATE or DELETE.
  std::int64_t Changes() const;
  // True while a transaction is open on this connection.
  bool InTransaction() const;

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE on construction (the write lock is taken at once, so a transaction never
// fails half-way for lack of it); ROLLBACK on destruction unless committed. Move-only; must not
// outlive its Database. Transactions do not nest.
class Transaction {
 public:
  // Unavailable when another connection holds the write lock beyond busy_timeout; Internal
  // when a transaction is already open on this connection.
  static core::Result<Transaction> Begin(Database& db);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // Makes the changes durable. On failure the transaction is rolled back on destruction.
  core::Status Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_ = nullptr;  // null once committed or moved from
};

// Brings the schema up to date: `migrations[i]` (one or more statements) moves the schema from
// version i to i + 1; the version is kept in PRAGMA user_version. Every pending migration runs
// in one transaction, so a failure leaves the database as it was. Migrations are append-only:
// never edit one that has shipped. FailedPrecondition when the file's version is newer than
// `migrations` knows (written by a newer build); other errors name the failing migration.
core::Status Migrate(Database& db, const std::vector<std::string>& migrations);

}  // namespace recipe_rag::storage
