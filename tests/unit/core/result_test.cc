#include "core/result.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

namespace recipe_rag::core {
namespace {

TEST(ResultTest, HoldsAValue) {
  Result<int> r = 42;
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
}

TEST(ResultTest, HoldsAnError) {
  Result<int> r = Error::NotFound("no such recipe");
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.error().message, "no such recipe");
}

TEST(ResultTest, ArrowReachesTheValue) {
  Result<std::string> r = std::string("toast");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 5u);
  r->append("!");
  EXPECT_EQ(r.value(), "toast!");
}

TEST(ResultTest, MovesOutAMoveOnlyValue) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

TEST(ResultTest, MovesOutTheError) {
  Result<int> r = Error::InvalidArgument("bad top_k", "top_k");
  Error e = std::move(r).error();
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.message, "bad top_k");
  EXPECT_EQ(e.param, "top_k");
}

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_TRUE(static_cast<bool>(s));
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(StatusTest, CarriesAnError) {
  Status s = Error::Internal("bug");
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(static_cast<bool>(s));
  EXPECT_EQ(s.error().code, ErrorCode::kInternal);
  EXPECT_EQ(s.error().message, "bug");
  Error moved = std::move(s).error();
  EXPECT_EQ(moved.message, "bug");
}

TEST(ErrorTest, FactoriesSetCodeMessageAndParam) {
  EXPECT_EQ(Error::InvalidArgument("m").code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Error::InvalidArgument("m", "query").param, "query");
  EXPECT_EQ(Error::FailedPrecondition("m", "top_k").code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Error::FailedPrecondition("m", "top_k").param, "top_k");
  EXPECT_EQ(Error::NotFound("m").code, ErrorCode::kNotFound);
  EXPECT_EQ(Error::Unauthenticated("m").code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(Error::DataLoss("m").code, ErrorCode::kDataLoss);
  EXPECT_EQ(Error::Internal("m").code, ErrorCode::kInternal);
  EXPECT_EQ(Error::NotFound("gone").message, "gone");
}

TEST(ErrorTest, OnlyUnavailableCarriesRetryAfter) {
  const Error e = Error::Unavailable("busy", std::chrono::seconds(3));
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  ASSERT_TRUE(e.retry_after.has_value());
  EXPECT_EQ(*e.retry_after, std::chrono::seconds(3));
  EXPECT_FALSE(Error::InvalidArgument("m").retry_after.has_value());
  EXPECT_FALSE(Error::Internal("m").retry_after.has_value());
}

TEST(ErrorTest, DefaultCodeIsInternal) {
  const Error e;
  EXPECT_EQ(e.code, ErrorCode::kInternal);
}

struct HttpMapping {
  const char* name;
  ErrorCode code;
  int status;
  const char* type;
};

class ErrorMappingTest : public ::testing::TestWithParam<HttpMapping> {};

TEST_P(ErrorMappingTest, MapsCodeToHttpStatusAndTypeName) {
  const HttpMapping& m = GetParam();
  EXPECT_EQ(ToHttpStatus(m.code), m.status);
  EXPECT_STREQ(ErrorTypeName(m.code), m.type);
}

INSTANTIATE_TEST_SUITE_P(
    EveryCode, ErrorMappingTest,
    ::testing::Values(
        HttpMapping{"InvalidArgument", ErrorCode::kInvalidArgument, 400, "invalid_request"},
        HttpMapping{"FailedPrecondition", ErrorCode::kFailedPrecondition, 422, "invalid_request"},
        HttpMapping{"Unauthenticated", ErrorCode::kUnauthenticated, 401, "unauthorized"},
        HttpMapping{"PermissionDenied", ErrorCode::kPermissionDenied, 403, "forbidden"},
        HttpMapping{"NotFound", ErrorCode::kNotFound, 404, "not_found"},
        HttpMapping{"ResourceExhausted", ErrorCode::kResourceExhausted, 429, "rate_limited"},
        HttpMapping{"DeadlineExceeded", ErrorCode::kDeadlineExceeded, 504, "timeout"},
        HttpMapping{"Unavailable", ErrorCode::kUnavailable, 503, "unavailable"},
        HttpMapping{"DataLoss", ErrorCode::kDataLoss, 500, "internal"},
        HttpMapping{"Internal", ErrorCode::kInternal, 500, "internal"}),
    [](const ::testing::TestParamInfo<HttpMapping>& param_info) {
      return std::string(param_info.param.name);
    });

}  // namespace
}  // namespace recipe_rag::core
