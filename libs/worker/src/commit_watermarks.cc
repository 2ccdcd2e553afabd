#include "blend/worker/commit_watermarks.h"

namespace blend::worker {

void CommitWatermarks::Received(const bus::Message& message) {
  partitions_[KeyOf(message)].offsets.emplace(message.offset, false);
}

void CommitWatermarks::Done(const bus::Message& message) {
  auto p = partitions_.find(KeyOf(message));
  if (p == partitions_.end()) return;
  auto it = p->second.offsets.find(message.offset);
  if (it == p->second.offsets.end()) return;
  it->second = true;
  while (!p->second.offsets.empty() && p->second.offsets.begin()->second) {
    p->second.watermark = p->second.offsets.begin()->first;
    p->second.offsets.erase(p->second.offsets.begin());
    p->second.moved = true;
  }
}

void CommitWatermarks::Forget(const bus::Message& message) { partitions_.erase(KeyOf(message)); }

std::vector<bus::Message> CommitWatermarks::TakeCommits() {
  std::vector<bus::Message> out;
  for (auto it = partitions_.begin(); it != partitions_.end();) {
    Partition& p = it->second;
    if (p.moved) {
      bus::Message m;
      std::tie(m.topic, m.partition, m.assignment) = it->first;
      m.offset = p.watermark;
      out.push_back(std::move(m));
      p.moved = false;
    }
    // A partition with nothing pending keeps no state: the next record starts it anew.
    if (p.offsets.empty() && !p.moved) {
      it = partitions_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

size_t CommitWatermarks::pending() const {
  size_t n = 0;
  for (const auto& [key, p] : partitions_) n += p.offsets.size();
  return n;
}

}  // namespace blend::worker
