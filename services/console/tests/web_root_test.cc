#include "blend/console/web_root.h"

#include "route_dispatch.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace blend::console {
namespace {

using testing::Get;

TEST(WebRoot, ServesTheBundleAndIndexForPagePathsButNotApi) {
  auto dir = std::filesystem::temp_directory_path() / "blend-console-web-root-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "index.html") << "<html>index</html>";
  std::ofstream(dir / "app.js") << "console.log(1)";
  auto root = WebRoot::Load(dir.string());
  ASSERT_TRUE(root.ok()) << root.status();
  auto routes = (*root)->Routes();
  EXPECT_EQ(Get(routes, "/app.js").body, "console.log(1)");
  EXPECT_EQ(Get(routes, "/app.js").content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Get(routes, "/campaigns/c1").body, "<html>index</html>");
  EXPECT_EQ(Get(routes, "/").body, "<html>index</html>");
  EXPECT_EQ(Get(routes, "/api/nothing").status, 404);
  EXPECT_EQ(Get(routes, "/appxjs").body, "<html>index</html>") << "the dot is escaped";
  std::filesystem::remove_all(dir);
}

TEST(WebRoot, MissingBundleSaysHowToBuildIt) {
  auto root = WebRoot::Load("/nonexistent-web-root");
  EXPECT_EQ(root.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(root.status().message().find("index.html"), std::string::npos);
}

}  // namespace
}  // namespace blend::console
