#include "blend/common/testing/ports.h"

#include <set>

#include <gtest/gtest.h>

namespace blend::test_support {
namespace {

// The kernel may return a just-released port again; a test asking for several ports in a row
// must still get distinct ones.
TEST(FreeLoopbackPortTest, NeverHandsOutTheSamePortTwice) {
  std::set<int> ports;
  for (int i = 0; i < 300; ++i) {
    int port = FreeLoopbackPort();
    EXPECT_GT(port, 0);
    EXPECT_TRUE(ports.insert(port).second) << "port " << port << " handed out twice";
  }
}

}  // namespace
}  // namespace blend::test_support
