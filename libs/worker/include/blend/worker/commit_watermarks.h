#pragma once

// Which offset may be committed on each partition when touches finish out of order: the
// contiguous-done watermark. An offset is committed only when it and every offset received
// before it on that partition are done, so a crash or a rebalance redelivers every unfinished
// record (and perhaps some finished ones, which the ledger answers from its record).
// Partitions are told apart by assignment too: after a revoke and a re-assign the records
// come again from the committed offset, and the old assignment's bookkeeping is forgotten.
// Pure bookkeeping: no I/O, not thread-safe.

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "blend/bus/message.h"

namespace blend::worker {

class CommitWatermarks {
 public:
  // A record was handed to the loop (offsets arrive in increasing order per assignment).
  void Received(const bus::Message& message);
  // Its processing finished (published, dropped or dead-lettered). Unknown records (of a
  // forgotten assignment) are ignored.
  void Done(const bus::Message& message);
  // Drops everything known about the assignment that delivered `message` (revoked).
  void Forget(const bus::Message& message);
  // One record per partition whose watermark moved since the last call: commit it (the
  // consumer commits its offset + 1). Its payload is empty.
  std::vector<bus::Message> TakeCommits();
  // Records received and not done, over every partition.
  size_t pending() const;

 private:
  using Key = std::tuple<std::string, int32_t, uint64_t>;  // topic, partition, assignment
  struct Partition {
    std::map<int64_t, bool> offsets;  // received, not below the watermark: done?
    int64_t watermark = -1;           // last offset whose prefix is done
    bool moved = false;
  };
  static Key KeyOf(const bus::Message& m) { return {m.topic, m.partition, m.assignment}; }
  std::map<Key, Partition> partitions_;
};

}  // namespace blend::worker
