// http::PostJson against a real loopback http::Server: what the server receives, any status
// as a reply, and the errors for a URL with no server behind it.

#include "blend/http/client.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "blend/http/server.h"

namespace blend::http {
namespace {

TEST(PostJsonTest, SendsBodyHeadersAndPathAndReturnsAnyStatus) {
  Request seen;
  std::vector<Route> routes;
  routes.push_back({"POST", "/hooks/.*", [&](const Request& r) {
                      seen = r;
                      return Response{.status = 418, .body = "teapot"};
                    }});
  auto server = Server::Start("127.0.0.1:0", std::move(routes));
  ASSERT_TRUE(server.ok()) << server.status();

  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/hooks/a";
  auto reply = PostJson(url, R"({"x":1})", {{"X-Signature", "abc"}}, absl::Seconds(5));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->status, 418);
  EXPECT_EQ(reply->body, "teapot");
  EXPECT_EQ(seen.path, "/hooks/a");
  EXPECT_EQ(seen.body, R"({"x":1})");
  EXPECT_EQ(seen.Header("x-signature"), "abc");
  EXPECT_EQ(seen.Header("content-type"), "application/json");
}

TEST(PostJsonTest, AUrlWithoutAPathPostsToTheRoot) {
  std::string path;
  std::vector<Route> routes;
  routes.push_back({"POST", "/", [&](const Request& r) {
                      path = r.path;
                      return Response{};
                    }});
  auto server = Server::Start("127.0.0.1:0", std::move(routes));
  ASSERT_TRUE(server.ok()) << server.status();
  auto reply =
      PostJson("http://127.0.0.1:" + std::to_string((*server)->port()), "{}", {}, absl::Seconds(5));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(path, "/");
}

TEST(PostJsonTest, NoServerIsUnavailable) {
  // A port that was just free: bind one, stop it, post to it.
  auto server = Server::Start("127.0.0.1:0", {});
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  (*server)->Stop();
  server->reset();
  auto reply =
      PostJson("http://127.0.0.1:" + std::to_string(port) + "/x", "{}", {}, absl::Seconds(2));
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable) << reply.status();
}

// cpp-httplib throws std::invalid_argument for a scheme it does not know, and takes a text
// without a scheme for a host name: both are the caller's mistake, told as such.
TEST(PostJsonTest, AUrlNamingNoServerIsInvalid) {
  for (const char* url : {"ftp://127.0.0.1/x", "not a url", "http://", "http:///path"}) {
    auto reply = PostJson(url, "{}", {}, absl::Seconds(1));
    EXPECT_EQ(reply.status().code(), absl::StatusCode::kInvalidArgument)
        << url << ": " << reply.status();
  }
}

}  // namespace
}  // namespace blend::http
