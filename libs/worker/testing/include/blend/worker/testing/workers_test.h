#pragma once

// Shared pieces of the workers' integration tests: a stand-in TouchService that grants claims
// and records them, Kafka helpers on unique topics, and WorkerRuntime replicas on a fresh
// database. No Genesys here: the replicas call `genesys_url_`; the real simulator comes with
// genesys-sim's own test support (blend/genesys_sim/testing/workers_test.h, `WorkersTest`).

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"
#include "blend/bus/consumer.h"
#include "blend/bus/producer.h"
#include "blend/store/connection_pool.h"
#include "blend/store/testing/test_database.h"
#include "blend/v1/touch_service.grpc.pb.h"
#include "blend/worker/withdraw_handler.h"
#include "blend/worker/worker_runtime.h"

namespace blend::workers_test {

// Reads BLEND_KAFKA_BROKERS; fails the test (never skips) when it is missing.
std::string KafkaBrokersOrFail();

// Grants every claim unless told otherwise; records how often each touch was claimed. A grant
// carries the claimed message itself as the stored touch (these tests publish whole touches;
// the real orchestrator's check is tested in services/orchestrator/tests and tests/e2e).
class FakeTouchService final : public v1::TouchService::Service {
 public:
  grpc::Status ClaimTouch(grpc::ServerContext*, const v1::ClaimTouchRequest* request,
                          v1::ClaimTouchResponse* response) override;
  void Refuse(const std::string& touch_id, std::string reason);
  int claims(const std::string& touch_id) const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, int> claims_;
  std::map<std::string, std::string> refusals_;
};

// FakeTouchService on a loopback port; plaintext unless `credentials` say otherwise (TLS).
class TouchServiceServer {
 public:
  explicit TouchServiceServer(
      std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials());
  ~TouchServiceServer();
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  FakeTouchService& service() { return service_; }

 private:
  FakeTouchService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// A TCP server on a loopback port that accepts connections and never answers: Genesys as a
// pod sees it when the host is gone (requests hang until their timeout), unlike a closed port,
// which refuses at once.
class SilentServer {
 public:
  SilentServer();
  ~SilentServer();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Connections accepted so far (each is a request waiting for an answer).
  int accepted() const { return accepted_; }

 private:
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::vector<int> connections_;  // held open, never read, closed at destruction
  std::thread thread_;
};

// A loopback port that forwards TCP connections to `upstream` ("host:port") once Open() was
// called; until then nothing listens there, so connecting is refused. Makes Kafka unreachable
// for one client (pointed at address()) and later reachable, without touching the broker.
class TcpForwarder {
 public:
  explicit TcpForwarder(std::string upstream);
  ~TcpForwarder();
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void Open();

 private:
  void Pump(int client, int server);

  std::string upstream_host_;
  int upstream_port_ = 0;
  int port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  absl::Mutex mu_;
  std::vector<std::thread> pumps_ ABSL_GUARDED_BY(mu_);
};

// A touch command envelope (key = journey id).
v1::TouchCommand SmsTouch(const std::string& touch_id, const std::string& phone);
std::string TouchEnvelope(const v1::TouchCommand& touch);

// Collects envelopes from `topics` (unique group, from the earliest offset).
class Collector {
 public:
  Collector(const std::string& brokers, std::vector<std::string> topics);
  ~Collector();
  // Polls until `n` messages arrived or `timeout` passed; returns the envelopes among them.
  std::vector<v1::Envelope> WaitFor(size_t n, absl::Duration timeout);
  // Polls until `done` holds for the envelopes so far or `timeout` passed; returns them.
  std::vector<v1::Envelope> WaitUntil(
      const std::function<bool(const std::vector<v1::Envelope>&)>& done, absl::Duration timeout);
  std::vector<bus::Message> raw() const;

 private:
  std::unique_ptr<bus::Consumer> consumer_;
  std::vector<v1::Envelope> got_;
  std::vector<bus::Message> raw_;
};

// Everything one test needs but Genesys: a fresh database, unique topics, the claim service, a
// producer, and worker replicas running on threads. The replicas call `genesys_url_`.
class WorkerReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // A replica's configuration, its Genesys at `genesys_url_` (set that first).
  worker::WorkerRuntimeConfig RuntimeConfig(v1::Channel channel, int quota_rpm);
  // Creates a replica; Run(sender) on its own thread.
  using SenderFactory =
      std::function<std::unique_ptr<worker::ChannelSender>(worker::WorkerRuntime&)>;
  // `make_withdrawer` (optional) gives the replica a WithdrawHandler (the dialer's).
  using WithdrawerFactory =
      std::function<std::unique_ptr<worker::WithdrawHandler>(worker::WorkerRuntime&)>;
  worker::WorkerRuntime& StartReplica(worker::WorkerRuntimeConfig config, SenderFactory make_sender,
                                      WithdrawerFactory make_withdrawer = nullptr);
  // Waits until the replicas' consumers own every partition of their topic.
  void WaitForAssignment(int partitions, absl::Duration timeout = absl::Seconds(30));
  void StopReplicas();
  // Stops replica `i` (its consumer leaves the group); the object stays until StopReplicas.
  void StopReplica(size_t i);
  void Publish(const v1::TouchCommand& touch);
  std::string Topic(const std::string& base) const { return prefix_ + base; }

  std::string brokers_;
  std::string prefix_;
  std::unique_ptr<store::testing::TestDatabase> db_;
  std::unique_ptr<store::ConnectionPool> pool_;
  std::string genesys_url_;
  std::unique_ptr<TouchServiceServer> touch_service_;
  std::unique_ptr<bus::Producer> producer_;

  struct Replica {
    std::unique_ptr<worker::WorkerRuntime> runtime;
    std::unique_ptr<worker::ChannelSender> sender;
    std::unique_ptr<worker::WithdrawHandler> withdrawer;
    std::thread thread;
  };
  std::vector<std::unique_ptr<Replica>> replicas_;
};

}  // namespace blend::workers_test
