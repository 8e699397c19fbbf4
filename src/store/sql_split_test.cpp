#include "store/sql_split.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace ms::store {
namespace {

using Statements = std::vector<std::string>;

TEST(SqlSplit, SplitsOnSemicolonsAndTrims) {
  EXPECT_EQ(split_sql_statements("CREATE TABLE a (x INT);\n  CREATE TABLE b (y INT)  ;\n"),
            (Statements{"CREATE TABLE a (x INT)", "CREATE TABLE b (y INT)"}));
}

TEST(SqlSplit, LastStatementNeedsNoSemicolon) {
  EXPECT_EQ(split_sql_statements("SELECT 1; SELECT 2"), (Statements{"SELECT 1", "SELECT 2"}));
}

TEST(SqlSplit, SemicolonsInsideLiteralsAndIdentifiersStay) {
  EXPECT_EQ(split_sql_statements("INSERT INTO t VALUES ('a;b', 'it''s;'); SELECT \"c;d\", `e;f` FROM t"),
            (Statements{"INSERT INTO t VALUES ('a;b', 'it''s;')", "SELECT \"c;d\", `e;f` FROM t"}));
}

TEST(SqlSplit, CommentsAreDropped) {
  EXPECT_EQ(split_sql_statements("-- header; with semicolon\nSELECT 1; /* block; */ SELECT /* x */ 2; -- tail"),
            (Statements{"SELECT 1", "SELECT   2"}));
}

TEST(SqlSplit, CommentMarkersInsideLiteralsAreText) {
  EXPECT_EQ(split_sql_statements("SELECT '-- not a comment', '/* nor this */'"),
            (Statements{"SELECT '-- not a comment', '/* nor this */'"}));
}

TEST(SqlSplit, EmptyAndCommentOnlyInputGivesNothing) {
  EXPECT_TRUE(split_sql_statements("").empty());
  EXPECT_TRUE(split_sql_statements(" ;; \n -- only a comment\n /* and this */ ;").empty());
}

TEST(SqlSplit, UnterminatedLiteralOrCommentIsAnError) {
  for (const char* bad : {"SELECT 'abc", "SELECT \"abc", "SELECT `abc", "SELECT 1 /* open"}) {
    try {
      split_sql_statements(bad);
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), "bad_migrations") << bad;
    }
  }
}

TEST(SqlSplit, TriggersAreRefused) {
  try {
    split_sql_statements("create  trigger t after insert on a begin update b set x = 1; end;");
    FAIL() << "accepted a trigger";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "bad_migrations");
    EXPECT_NE(std::string(e.what()).find("trigger"), std::string::npos);
  }
}

TEST(SqlSplit, TriggerLikeNamesAreFine) {
  EXPECT_EQ(split_sql_statements("CREATE TABLE trigger_log (x INT)"), (Statements{"CREATE TABLE trigger_log (x INT)"}));
}

}  // namespace
}  // namespace ms::store
