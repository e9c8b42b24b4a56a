#include "storage/sqlite.h"

#include <sqlite3.h>

#include <chrono>
#include <thread>
#include <utility>

namespace recipe_rag::storage {
namespace {

constexpr std::chrono::seconds kRetryAfter{1};

// `text` with every occurrence of `secret` replaced, so that a file path never reaches a message.
void Scrub(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
    text.replace(pos, secret.size(), "<database>");
  }
}

core::Error ErrorFrom(sqlite3* db, int rc, std::string_view what, std::string_view path = {}) {
  std::string reason = sqlite3_errstr(rc);
  if (db != nullptr && (sqlite3_errcode(db) & 0xff) == (rc & 0xff)) reason = sqlite3_errmsg(db);
  if (db != nullptr) {
    if (const char* file = sqlite3_db_filename(db, "main"); file != nullptr) Scrub(reason, file);
  }
  Scrub(reason, path);
  std::string message = std::string(what) + ": " + reason;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_READONLY:
    case SQLITE_NOMEM:
    case SQLITE_PERM:
      return core::Error::Unavailable(std::move(message), kRetryAfter);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return core::Error::DataLoss(std::move(message));
    case SQLITE_CONSTRAINT:
      return core::Error::FailedPrecondition(std::move(message));
    default:
      return core::Error::Internal(std::move(message));
  }
}

core::Error WithContext(core::Error error, const std::string& context) {
  error.message = context + ": " + error.message;
  return error;
}

// Asks for WAL; returns the journal mode in effect afterwards ("memory" for in-memory files).
core::Result<std::string> JournalModeWal(Database& db) {
  auto stmt = db.Prepare("PRAGMA journal_mode=WAL");
  if (!stmt.ok()) return std::move(stmt).error();
  auto step = stmt->Step();
  if (!step.ok()) return std::move(step).error();
  return *step == StepResult::kRow ? stmt->ColumnText(0) : std::string();
}

}  // namespace

// ---- Statement ----------------------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_error_(std::exchange(other.bind_error_, std::nullopt)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_error_ = std::exchange(other.bind_error_, std::nullopt);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Check(int rc, int index) {
  if (rc != SQLITE_OK && !bind_error_) {
    bind_error_ = ErrorFrom(db_, rc, "binding parameter " + std::to_string(index));
  }
  return *this;
}

Statement& Statement::BindInt64(int index, std::int64_t value) {
  return Check(sqlite3_bind_int64(stmt_, index, value), index);
}

Statement& Statement::Bind(int index, double value) {
  return Check(sqlite3_bind_double(stmt_, index, value), index);
}

Statement& Statement::Bind(int index, std::string_view value) {
  return Check(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      index);
}

Statement& Statement::Bind(int index, std::nullptr_t) {
  return Check(sqlite3_bind_null(stmt_, index), index);
}

core::Result<StepResult> Statement::Step() {
  if (bind_error_) return *bind_error_;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return StepResult::kRow;
  if (rc == SQLITE_DONE) return StepResult::kDone;
  return ErrorFrom(db_, rc, "statement failed");
}

core::Status Statement::Run() {
  while (true) {
    auto step = Step();
    if (!step.ok()) {
      Reset();
      return std::move(step).error();
    }
    if (*step == StepResult::kDone) break;
  }
  Reset();
  return core::Status::Ok();
}

std::int64_t Statement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::ColumnDouble(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::ColumnText(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  const int bytes = sqlite3_column_bytes(stmt_, column);
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(bytes));
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_.reset();
}

// ---- Database -----------------------------------------------------------------------------

core::Result<Database> Database::Open(const std::filesystem::path& path,
                                      const DatabaseOptions& options) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db(raw);  // closes the handle on every early return, even a failed open's
  if (rc != SQLITE_OK) return ErrorFrom(raw, rc, "cannot open database", path.native());
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout.count()));

  // Switching a new file to WAL takes an exclusive lock, and SQLite answers "database is
  // locked" at once, without its busy handler, when another connection (a replica, or the old
  // process of an overlapping restart) is doing the same: retry within the busy timeout.
  const auto deadline = std::chrono::steady_clock::now() + options.busy_timeout;
  auto mode = JournalModeWal(db);
  while (!mode.ok() && mode.error().code == core::ErrorCode::kUnavailable &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    mode = JournalModeWal(db);
  }
  if (!mode.ok()) return WithContext(std::move(mode).error(), "cannot open database");
  const char* file = sqlite3_db_filename(raw, "main");
  const bool on_disk = file != nullptr && *file != '\0';
  if (on_disk && *mode != "wal") {
    return core::Error::Unavailable("cannot open database: WAL journal mode is not available",
                                    kRetryAfter);
  }
  if (auto st = db.Exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON"); !st.ok()) {
    return WithContext(std::move(st).error(), "cannot open database");
  }
  return db;
}

Database::Database(Database&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Database::~Database() { sqlite3_close_v2(db_); }

core::Status Database::Exec(std::string_view sql) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return ErrorFrom(db_, rc, "statement failed");
  return core::Status::Ok();
}

core::Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, &tail);
  if (rc != SQLITE_OK) return ErrorFrom(db_, rc, "cannot prepare statement");
  Statement stmt(db_, raw);
  if (raw == nullptr) return core::Error::Internal("cannot prepare statement: no SQL");
  const std::string_view rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
  if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    return core::Error::Internal("cannot prepare statement: more than one statement");
  }
  return stmt;
}

std::int64_t Database::Changes() const { return sqlite3_changes64(db_); }

bool Database::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

// ---- Transaction --------------------------------------------------------------------------

core::Result<Transaction> Transaction::Begin(Database& db) {
  if (db.InTransaction()) return core::Error::Internal("a transaction is already open");
  if (auto st = db.Exec("BEGIN IMMEDIATE"); !st.ok()) {
    return WithContext(std::move(st).error(), "cannot begin transaction");
  }
  return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  if (db_ != nullptr && db_->InTransaction()) static_cast<void>(db_->Exec("ROLLBACK"));
}

core::Status Transaction::Commit() {
  if (db_ == nullptr) return core::Error::Internal("transaction already finished");
  if (auto st = db_->Exec("COMMIT"); !st.ok()) {
    return WithContext(std::move(st).error(), "cannot commit transaction");
  }
  db_ = nullptr;
  return core::Status::Ok();
}

// ---- Migrate ------------------------------------------------------------------------------

core::Status Migrate(Database& db, const std::vector<std::string>& migrations) {
  auto tx = Transaction::Begin(db);
  if (!tx.ok()) return std::move(tx).error();
  std::int64_t version = 0;
  {
    auto stmt = db.Prepare("PRAGMA user_version");
    if (!stmt.ok()) return std::move(stmt).error();
    auto step = stmt->Step();
    if (!step.ok()) return std::move(step).error();
    if (*step == StepResult::kRow) version = stmt->ColumnInt(0);
  }
  const auto target = static_cast<std::int64_t>(migrations.size());
  if (version > target) {
    return core::Error::FailedPrecondition("database schema version " + std::to_string(version) +
                                           " is newer than this build supports (" +
                                           std::to_string(target) + ")");
  }
  if (version < 0) {
    return core::Error::DataLoss("database schema version " + std::to_string(version) +
                                 " is not valid");
  }
  if (version == target) return core::Status::Ok();
  for (auto i = version; i < target; ++i) {
    if (auto st = db.Exec(migrations[static_cast<std::size_t>(i)]); !st.ok()) {
      return WithContext(std::move(st).error(), "migration " + std::to_string(i + 1));
    }
  }
  if (auto st = db.Exec("PRAGMA user_version = " + std::to_string(target)); !st.ok()) {
    return st;
  }
  return tx->Commit();
}

}  // namespace recipe_rag::storage
