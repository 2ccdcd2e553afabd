#include "blend/worker/commit_watermarks.h"

#include <gtest/gtest.h>

namespace blend::worker {
namespace {

bus::Message M(int32_t partition, int64_t offset, uint64_t assignment = 1) {
  bus::Message m;
  m.topic = "t";
  m.partition = partition;
  m.offset = offset;
  m.assignment = assignment;
  return m;
}

std::vector<std::pair<int32_t, int64_t>> Take(CommitWatermarks& w) {
  std::vector<std::pair<int32_t, int64_t>> out;
  for (const bus::Message& m : w.TakeCommits()) out.emplace_back(m.partition, m.offset);
  return out;
}

TEST(CommitWatermarks, MovesOnlyOverAContiguousDonePrefix) {
  CommitWatermarks w;
  for (int64_t o : {5, 6, 7, 9}) w.Received(M(0, o));  // 8 was compacted away
  w.Done(M(0, 7));
  w.Done(M(0, 6));
  EXPECT_TRUE(Take(w).empty());
  w.Done(M(0, 5));
  EXPECT_EQ(Take(w), (std::vector<std::pair<int32_t, int64_t>>{{0, 7}}));
  EXPECT_TRUE(Take(w).empty()) << "reported once";
  EXPECT_EQ(w.pending(), 1u);
  w.Done(M(0, 9));
  EXPECT_EQ(Take(w), (std::vector<std::pair<int32_t, int64_t>>{{0, 9}}));
  EXPECT_EQ(w.pending(), 0u);
}

TEST(CommitWatermarks, PartitionsAreIndependent) {
  CommitWatermarks w;
  w.Received(M(0, 1));
  w.Received(M(1, 1));
  w.Received(M(1, 2));
  w.Done(M(1, 2));
  w.Done(M(0, 1));
  EXPECT_EQ(Take(w), (std::vector<std::pair<int32_t, int64_t>>{{0, 1}}));
  w.Done(M(1, 1));
  EXPECT_EQ(Take(w), (std::vector<std::pair<int32_t, int64_t>>{{1, 2}}));
}

TEST(CommitWatermarks, AForgottenAssignmentNeverCommitsAndANewOneStartsAfresh) {
  CommitWatermarks w;
  w.Received(M(0, 1, /*assignment=*/1));
  w.Received(M(0, 2, 1));
  w.Forget(M(0, 1, 1));  // revoked
  w.Done(M(0, 1, 1));    // an in-flight touch finishing after the revoke
  EXPECT_TRUE(Take(w).empty());
  w.Received(M(0, 1, /*assignment=*/2));  // assigned back: redelivered from the committed offset
  w.Done(M(0, 1, 2));
  auto commits = w.TakeCommits();
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(commits[0].offset, 1);
  EXPECT_EQ(commits[0].assignment, 2u);
}

}  // namespace
}  // namespace blend::worker
