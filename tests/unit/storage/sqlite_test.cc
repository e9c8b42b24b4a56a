#include "storage/sqlite.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace recipe_rag::storage {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sqlite_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Database OpenOrDie(const std::string& name = "test.db", DatabaseOptions options = {}) {
    auto db = Database::Open(dir_ / name, options);
    EXPECT_TRUE(db.ok()) << db.error().message;
    return std::move(db).value();
  }

  // The first column of the first row of `sql`, as text ("" when there is no row).
  static std::string QueryText(Database& db, const std::string& sql) {
    auto stmt = db.Prepare(sql);
    EXPECT_TRUE(stmt.ok()) << stmt.error().message;
    auto step = stmt->Step();
    EXPECT_TRUE(step.ok()) << step.error().message;
    return step.ok() && *step == StepResult::kRow ? stmt->ColumnText(0) : std::string();
  }

  std::filesystem::path dir_;
};

TEST_F(SqliteTest, OpenSetsWalNormalSyncAndForeignKeys) {
  Database db = OpenOrDie();
  EXPECT_EQ(QueryText(db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryText(db, "PRAGMA synchronous"), "1");  // NORMAL
  EXPECT_EQ(QueryText(db, "PRAGMA foreign_keys"), "1");
  EXPECT_EQ(QueryText(db, "PRAGMA busy_timeout"), "5000");
  EXPECT_TRUE(std::filesystem::exists(dir_ / "test.db"));
}

TEST_F(SqliteTest, BusyTimeoutComesFromOptions) {
  Database db = OpenOrDie("test.db", {.busy_timeout = std::chrono::milliseconds(250)});
  EXPECT_EQ(QueryText(db, "PRAGMA busy_timeout"), "250");
}

TEST_F(SqliteTest, BindsAndReadsEveryType) {
  Database db = OpenOrDie();
  ASSERT_TRUE(db.Exec("CREATE TABLE t (i INTEGER, d REAL, s TEXT, n TEXT)").ok());
  auto insert = db.Prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4)");
  ASSERT_TRUE(insert.ok()) << insert.error().message;
  const std::string text("caf\xc3\xa9 au lait with \0 byte", 25);
  insert->Bind(1, std::int64_t{9'000'000'000}).Bind(2, 2.5).Bind(3, text).Bind(4, nullptr);
  ASSERT_TRUE(insert->Run().ok());
  EXPECT_EQ(db.Changes(), 1);

  auto select = db.Prepare("SELECT i, d, s, n FROM t");
  ASSERT_TRUE(select.ok());
  auto step = select->Step();
  ASSERT_TRUE(step.ok());
  ASSERT_EQ(*step, StepResult::kRow);
  EXPECT_EQ(select->ColumnInt(0), 9'000'000'000);
  EXPECT_DOUBLE_EQ(select->ColumnDouble(1), 2.5);
  EXPECT_EQ(select->ColumnText(2), text);
  EXPECT_TRUE(select->ColumnIsNull(3));
  EXPECT_FALSE(select->ColumnIsNull(0));
  EXPECT_EQ(select->ColumnText(3), "");
  step = select->Step();
  ASSERT_TRUE(step.ok());
  EXPECT_EQ(*step, StepResult::kDone);
}

TEST_F(SqliteTest, ResetRunsTheStatementAgainWithNewBindings) {
  Database db = OpenOrDie();
  ASSERT_TRUE(db.Exec("CREATE TABLE t (v INTEGER)").ok());
  auto insert = db.Prepare("INSERT INTO t VALUES (?1)");
  ASSERT_TRUE(insert.ok());
  for (int v : {1, 2, 3}) {
    insert->Bind(1, v);
    ASSERT_TRUE(insert->Run().ok());
  }
  auto sum = db.Prepare("SELECT SUM(v) FROM t WHERE v >= ?1");
  ASSERT_TRUE(sum.ok());
  sum->Bind(1, 2);
  ASSERT_TRUE(sum->Step().ok());
  EXPECT_EQ(sum->ColumnInt(0), 5);
  sum->Reset();
  sum->Bind(1, 1);
  ASSERT_TRUE(sum->Step().ok());
  EXPECT_EQ(sum->ColumnInt(0), 6);
}

TEST_F(SqliteTest, BindErrorIsReportedByStep) {
  Database db = OpenOrDie();
  auto stmt = db.Prepare("SELECT ?1");
  ASSERT_TRUE(stmt.ok());
  stmt->Bind(1, 1).Bind(7, 2);
  auto step = stmt->Step();
  ASSERT_FALSE(step.ok());
  EXPECT_EQ(step.error().code, core::ErrorCode::kInternal);
  EXPECT_THAT(step.error().message, HasSubstr("parameter 7"));
  stmt->Reset();  // clears the pending error
  stmt->Bind(1, 4);
  step = stmt->Step();
  ASSERT_TRUE(step.ok());
  EXPECT_EQ(stmt->ColumnInt(0), 4);
}

TEST_F(SqliteTest, SyntaxErrorsAndSeveralStatementsAreInternal) {
  Database db = OpenOrDie();
  auto bad = db.Prepare("SELEC 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, core::ErrorCode::kInternal);
  auto two = db.Prepare("SELECT 1; SELECT 2");
  ASSERT_FALSE(two.ok());
  EXPECT_THAT(two.error().message, HasSubstr("more than one statement"));
  EXPECT_TRUE(db.Prepare("SELECT 1;  \n").ok());
  EXPECT_FALSE(db.Exec("CREATE TABLE").ok());
}

TEST_F(SqliteTest, ConstraintViolationIsFailedPrecondition) {
  Database db = OpenOrDie();
  ASSERT_TRUE(db.Exec("CREATE TABLE t (k TEXT PRIMARY KEY)").ok());
  ASSERT_TRUE(db.Exec("INSERT INTO t VALUES ('a')").ok());
  auto insert = db.Prepare("INSERT INTO t VALUES (?1)");
  ASSERT_TRUE(insert.ok());
  insert->Bind(1, "a");
  const auto st = insert->Run();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, core::ErrorCode::kFailedPrecondition);
  EXPECT_THAT(st.error().message, HasSubstr("UNIQUE"));
  insert->Bind(1, "b");  // usable again after the failure
  EXPECT_TRUE(insert->Run().ok());
}

TEST_F(SqliteTest, ForeignKeysAreEnforced) {
  Database db = OpenOrDie();
  ASSERT_TRUE(db.Exec("CREATE TABLE p (id INTEGER PRIMARY KEY);"
                      "CREATE TABLE c (p INTEGER REFERENCES p(id))")
                  .ok());
  const auto st = db.Exec("INSERT INTO c VALUES (42)");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, core::ErrorCode::kFailedPrecondition);
}

TEST_F(SqliteTest, OpenErrorNeverNamesThePath) {
  const auto path = dir_ / "no-such-secret-dir" / "ledger.db";
  auto db = Database::Open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, core::ErrorCode::kUnavailable);
  EXPECT_THAT(db.error().message, Not(HasSubstr("no-such-secret-dir")));
  EXPECT_THAT(db.error().message, Not(HasSubstr(dir_.string())));
  EXPECT_THAT(db.error().message, Not(HasSubstr("ledger.db")));
}

TEST_F(SqliteTest, AFileThatIsNotADatabaseIsDataLossWithoutItsPath) {
  const auto path = dir_ / "garbage.db";
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(4096, 'x');
  }
  auto db = Database::Open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, core::ErrorCode::kDataLoss);
  EXPECT_THAT(db.error().message, Not(HasSubstr("garbage")));
  EXPECT_THAT(db.error().message, Not(HasSubstr(dir_.string())));
}

TEST_F(SqliteTest, InMemoryDatabaseOpens) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_TRUE(db->Exec("CREATE TABLE t (v)").ok());
}

TEST_F(SqliteTest, TransactionRollsBackUnlessCommitted) {
  Database db = OpenOrDie();
  ASSERT_TRUE(db.Exec("CREATE TABLE t (v INTEGER)").ok());
  {
    auto tx = Transaction::Begin(db);
    ASSERT_TRUE(tx.ok()) << tx.error().message;
    EXPECT_TRUE(db.InTransaction());
    ASSERT_TRUE(db.Exec("INSERT INTO t VALUES (1)").ok());
  }
  EXPECT_FALSE(db.InTransaction());
  EXPECT_EQ(QueryText(db, "SELECT COUNT(*) FROM t"), "0");
  {
    auto tx = Transaction::Begin(db);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(db.Exec("INSERT INTO t VALUES (2)").ok());
    ASSERT_TRUE(tx->Commit().ok());
    EXPECT_FALSE(tx->Commit().ok());  // only once
  }
  EXPECT_EQ(QueryText(db, "SELECT SUM(v) FROM t"), "2");
}

TEST_F(SqliteTest, TransactionsDoNotNest) {
  Database db = OpenOrDie();
  auto outer = Transaction::Begin(db);
  ASSERT_TRUE(outer.ok());
  auto inner = Transaction::Begin(db);
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().code, core::ErrorCode::kInternal);
  EXPECT_TRUE(db.InTransaction());  // the failed Begin left the outer one alone
}

TEST_F(SqliteTest, TransactionTakesTheWriteLockAtOnce) {
  Database first = OpenOrDie();
  Database second = OpenOrDie("test.db", {.busy_timeout = std::chrono::milliseconds(0)});
  ASSERT_TRUE(first.Exec("CREATE TABLE t (v INTEGER)").ok());
  auto tx = Transaction::Begin(first);
  ASSERT_TRUE(tx.ok());
  auto blocked = Transaction::Begin(second);
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, core::ErrorCode::kUnavailable);
  EXPECT_TRUE(blocked.error().retry_after.has_value());
  // WAL: a reader is not blocked by the writer.
  EXPECT_EQ(QueryText(second, "SELECT COUNT(*) FROM t"), "0");
}

TEST_F(SqliteTest, MigrateAppliesOnlyPendingMigrationsAndRecordsTheVersion) {
  std::vector<std::string> migrations = {
      "CREATE TABLE a (v INTEGER)",
      "CREATE TABLE b (v INTEGER); INSERT INTO b VALUES (7)",
  };
  {
    Database db = OpenOrDie();
    ASSERT_TRUE(Migrate(db, migrations).ok());
    EXPECT_EQ(QueryText(db, "PRAGMA user_version"), "2");
    ASSERT_TRUE(Migrate(db, migrations).ok());  // nothing pending: CREATE TABLE not re-run
  }
  migrations.push_back("ALTER TABLE b ADD COLUMN w INTEGER DEFAULT 3");
  Database db = OpenOrDie();
  const auto st = Migrate(db, migrations);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(QueryText(db, "PRAGMA user_version"), "3");
  EXPECT_EQ(QueryText(db, "SELECT v + w FROM b"), "10");
}

TEST_F(SqliteTest, AFailingMigrationLeavesTheDatabaseAsItWas) {
  Database db = OpenOrDie();
  const std::vector<std::string> migrations = {
      "CREATE TABLE a (v INTEGER)",
      "CREATE TABLE b (v INTEGER); INSERT INTO nowhere VALUES (1)",
  };
  const auto st = Migrate(db, migrations);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("migration 2"));
  EXPECT_FALSE(db.InTransaction());
  EXPECT_EQ(QueryText(db, "PRAGMA user_version"), "0");
  EXPECT_EQ(QueryText(db, "SELECT COUNT(*) FROM sqlite_schema"), "0");
}

TEST_F(SqliteTest, ASchemaNewerThanTheMigrationsIsRefused) {
  Database db = OpenOrDie();
  ASSERT_TRUE(db.Exec("PRAGMA user_version = 5").ok());
  const auto st = Migrate(db, {"CREATE TABLE a (v INTEGER)"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, core::ErrorCode::kFailedPrecondition);
  EXPECT_THAT(st.error().message, HasSubstr("newer"));
  EXPECT_EQ(QueryText(db, "SELECT COUNT(*) FROM sqlite_schema"), "0");
}

TEST_F(SqliteTest, DataSurvivesReopening) {
  {
    Database db = OpenOrDie();
    ASSERT_TRUE(db.Exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept')").ok());
  }
  Database db = OpenOrDie();
  EXPECT_EQ(QueryText(db, "SELECT v FROM t"), "kept");
}

}  // namespace
}  // namespace recipe_rag::storage

namespace recipe_rag::storage {
namespace {

// Processes starting together (replicas, or a restart overlapping the old process's drain)
// open and migrate the same new file at once: every one must get there.
TEST_F(SqliteTest, ConcurrentOpensOfANewFileAllSucceed) {
  for (int round = 0; round < 20; ++round) {
    const auto path = dir_ / ("race-" + std::to_string(round) + ".db");
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    std::string first_error;
    std::mutex mu;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        auto db = Database::Open(path);
        core::Status st =
            db.ok() ? Migrate(*db, {"CREATE TABLE t (x INTEGER)"}) : core::Status(db.error());
        if (!st.ok()) {
          std::lock_guard lock(mu);
          if (failures++ == 0) first_error = st.error().message;
        }
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_EQ(failures.load(), 0) << "round " << round << ": " << first_error;
  }
}

}  // namespace
}  // namespace recipe_rag::storage
