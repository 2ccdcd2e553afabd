#include "blend/worker/testing/workers_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/time/clock.h"
#include "blend/bus/topics.h"
#include "blend/common/ids.h"
#include "blend/common/testing/env.h"
#include "blend/common/testing/ports.h"
#include "blend/worker/customer_events.h"
#include "blend/worker/worker_loop.h"
#include "google/protobuf/util/time_util.h"

namespace blend::workers_test {

std::string KafkaBrokersOrFail() { return test_support::RequireEnv("BLEND_KAFKA_BROKERS"); }

grpc::Status FakeTouchService::ClaimTouch(grpc::ServerContext*, const v1::ClaimTouchRequest* req,
                                          v1::ClaimTouchResponse* resp) {
  absl::MutexLock lock(&mu_);
  int& n = claims_[req->touch_id()];
  ++n;
  if (auto it = refusals_.find(req->touch_id()); it != refusals_.end()) {
    resp->set_decision(v1::ClaimTouchResponse::DECISION_REFUSED);
    resp->set_reason(it->second);
  } else {
    resp->set_decision(n == 1 ? v1::ClaimTouchResponse::DECISION_GRANTED
                              : v1::ClaimTouchResponse::DECISION_ALREADY_CLAIMED);
    // These tests publish whole touches: the stand-in "stored" exactly what it was sent.
    *resp->mutable_touch() = req->touch();
  }
  return grpc::Status::OK;
}

void FakeTouchService::Refuse(const std::string& touch_id, std::string reason) {
  absl::MutexLock lock(&mu_);
  refusals_[touch_id] = std::move(reason);
}

int FakeTouchService::claims(const std::string& touch_id) const {
  absl::MutexLock lock(&mu_);
  auto it = claims_.find(touch_id);
  return it == claims_.end() ? 0 : it->second;
}

TouchServiceServer::TouchServiceServer(std::shared_ptr<grpc::ServerCredentials> credentials) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port_);
  builder.RegisterService(&service_);
  server_ = builder.BuildAndStart();
}

TouchServiceServer::~TouchServiceServer() { server_->Shutdown(); }

SilentServer::SilentServer() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(listen(listen_fd_, 64), 0);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      connections_.push_back(fd);
      ++accepted_;
    }
  });
}

SilentServer::~SilentServer() {
  stop_ = true;
  thread_.join();
  for (int fd : connections_) close(fd);
  close(listen_fd_);
}

TcpForwarder::TcpForwarder(std::string upstream) {
  size_t colon = upstream.rfind(':');
  upstream_host_ = upstream.substr(0, colon);
  upstream_port_ = std::stoi(upstream.substr(colon + 1));
  port_ = test_support::FreeLoopbackPort();
}

void TcpForwarder::Open() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  ASSERT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listen_fd_, 64), 0);
  acceptor_ = std::thread([this] {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int client = accept(listen_fd_, nullptr, nullptr);
      if (client < 0) continue;
      int server = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in up{};
      up.sin_family = AF_INET;
      up.sin_port = htons(static_cast<uint16_t>(upstream_port_));
      inet_pton(AF_INET, upstream_host_.c_str(), &up.sin_addr);
      if (connect(server, reinterpret_cast<sockaddr*>(&up), sizeof up) != 0) {
        close(server);
        close(client);
        continue;
      }
      absl::MutexLock lock(&mu_);
      pumps_.emplace_back([this, client, server] { Pump(client, server); });
    }
  });
}

void TcpForwarder::Pump(int client, int server) {
  char buf[16384];
  pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
  while (!stop_) {
    if (poll(fds, 2, 50) <= 0) continue;
    bool closed = false;
    for (int i = 0; i < 2 && !closed; ++i) {
      if (fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        closed = true;
        break;
      }
      for (ssize_t off = 0; off < n && !closed;) {
        ssize_t w = send(fds[1 - i].fd, buf + off, static_cast<size_t>(n - off), MSG_NOSIGNAL);
        if (w <= 0) closed = true;
        off += w;
      }
    }
    if (closed) break;
  }
  close(client);
  close(server);
}

TcpForwarder::~TcpForwarder() {
  stop_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  absl::MutexLock lock(&mu_);
  for (auto& t : pumps_) t.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

v1::TouchCommand SmsTouch(const std::string& touch_id, const std::string& phone) {
  v1::TouchCommand t;
  t.set_touch_id(touch_id);
  t.set_journey_id("j-" + touch_id);
  t.set_campaign_id("demo");
  t.set_campaign_version(1);
  t.set_channel(v1::CHANNEL_SMS);
  t.mutable_customer()->set_customer_id("c-" + touch_id);
  t.mutable_customer()->set_phone_e164(phone);
  t.mutable_customer()->set_email(touch_id + "@customer.example");
  (*t.mutable_parameters()->mutable_fields())["text"].set_string_value(
      "Invoice {{invoice}} is 30 days overdue.");
  (*t.mutable_parameters()->mutable_fields())["invoice"].set_string_value("INV-" + touch_id);
  (*t.mutable_parameters()->mutable_fields())["subject"].set_string_value("Invoice {{invoice}}");
  t.mutable_genesys()->set_sms_from_number("+18005550199");
  t.mutable_genesys()->set_contact_list_id("demo-contacts");
  t.mutable_genesys()->set_dnc_list_id("demo-dnc");
  t.mutable_genesys()->set_email_from_address("collections@demo.example.com");
  t.set_attempt(1);
  return t;
}

std::string TouchEnvelope(const v1::TouchCommand& touch) {
  v1::Envelope e;
  e.set_message_id(NewUuid());
  e.set_schema_version(1);
  *e.mutable_touch() = touch;
  return e.SerializeAsString();
}

Collector::Collector(const std::string& brokers, std::vector<std::string> topics) {
  bus::ConsumerConfig cc{
      .brokers = brokers, .group_id = "collector-" + NewUuid(), .topics = std::move(topics)};
  cc.session_timeout = absl::Seconds(6);
  cc.heartbeat_interval = absl::Milliseconds(500);
  auto c = bus::Consumer::Create(std::move(cc));
  EXPECT_TRUE(c.ok()) << c.status();
  consumer_ = std::move(*c);
}

Collector::~Collector() { (void)consumer_->Close(); }

std::vector<v1::Envelope> Collector::WaitFor(size_t n, absl::Duration timeout) {
  // Counts every message, parsed or not.
  return WaitUntil([&](const std::vector<v1::Envelope>&) { return raw_.size() >= n; }, timeout);
}

std::vector<v1::Envelope> Collector::WaitUntil(
    const std::function<bool(const std::vector<v1::Envelope>&)>& done, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (!done(got_) && absl::Now() < deadline) {
    std::optional<bus::Message> m = consumer_->Poll(absl::Milliseconds(200));
    if (!m) continue;
    raw_.push_back(*m);
    v1::Envelope e;
    if (e.ParseFromString(m->payload)) got_.push_back(std::move(e));
  }
  return got_;
}

std::vector<bus::Message> Collector::raw() const { return raw_; }

void WorkerReplicasTest::SetUp() {
  brokers_ = KafkaBrokersOrFail();
  ASSERT_FALSE(brokers_.empty());
  auto db = store::testing::TestDatabase::CreateFromEnv();
  ASSERT_TRUE(db.ok()) << db.status();
  db_ = std::move(*db);
  auto pool = store::ConnectionPool::Create(db_->url(), 4);
  ASSERT_TRUE(pool.ok()) << pool.status();
  pool_ = std::move(*pool);
  prefix_ = "t" + NewUuid().substr(0, 8) + ".";
  std::vector<std::string> topics;
  for (const std::string& t : bus::BlendTopics()) topics.push_back(prefix_ + t);
  ASSERT_TRUE(bus::EnsureTopics(brokers_, topics, 4).ok());
  auto producer = bus::Producer::Create(bus::ProducerConfig{.brokers = brokers_});
  ASSERT_TRUE(producer.ok()) << producer.status();
  producer_ = std::move(*producer);
  touch_service_ = std::make_unique<TouchServiceServer>();
}

void WorkerReplicasTest::TearDown() { StopReplicas(); }

worker::WorkerRuntimeConfig WorkerReplicasTest::RuntimeConfig(v1::Channel channel, int quota_rpm) {
  worker::WorkerRuntimeConfig c;
  c.service = channel == v1::CHANNEL_SMS     ? "sms-worker"
              : channel == v1::CHANNEL_VOICE ? "dialer-worker"
                                             : "email-worker";
  c.channel = channel;
  c.worker_id = c.service + "-" + std::to_string(replicas_.size());
  c.kafka_brokers = brokers_;
  c.pg_url = db_->url();
  c.topic_prefix = prefix_;
  // A consumer group of this test's own: with the default (blend-<service>) every test of the
  // channel shares one group, so tests running in parallel (ctest -j) rebalance each other's
  // replicas mid-test and hand records out again. Replicas of one test still share it.
  c.group_id = prefix_ + "blend-" + c.service;
  c.kafka_session_timeout = absl::Seconds(6);
  c.orchestrator_addr = touch_service_->address();
  c.genesys.api_base_url = genesys_url_;
  c.genesys.client_id = "demo-client";
  c.genesys.client_secret = Secret("demo-secret");
  c.quota.requests_per_minute = quota_rpm;
  c.backoff.initial = absl::Milliseconds(100);
  c.backoff.max = absl::Seconds(1);
  return c;
}

worker::WorkerRuntime& WorkerReplicasTest::StartReplica(worker::WorkerRuntimeConfig config,
                                                        SenderFactory make_sender,
                                                        WithdrawerFactory make_withdrawer) {
  auto runtime = worker::WorkerRuntime::Create(std::move(config), RealClock::Instance(), nullptr);
  EXPECT_TRUE(runtime.ok()) << runtime.status();
  auto replica = std::make_unique<Replica>();
  replica->runtime = std::move(*runtime);
  replica->sender = make_sender(*replica->runtime);
  if (make_withdrawer) replica->withdrawer = make_withdrawer(*replica->runtime);
  Replica* r = replica.get();
  r->thread = std::thread([r] { r->runtime->Run(*r->sender, r->withdrawer.get()); });
  replicas_.push_back(std::move(replica));
  return *r->runtime;
}

void WorkerReplicasTest::WaitForAssignment(int partitions, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    size_t total = 0;
    bool each = true;
    for (auto& r : replicas_) {
      size_t n = r->runtime->consumer().Assignment().size();
      total += n;
      each &= n > 0 || replicas_.size() > static_cast<size_t>(partitions);
    }
    if (total == static_cast<size_t>(partitions) && each) return;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ADD_FAILURE() << "consumer group did not settle";
}

void WorkerReplicasTest::StopReplicas() {
  for (auto& r : replicas_) r->runtime->Stop();
  for (auto& r : replicas_) {
    if (r->thread.joinable()) r->thread.join();
  }
  replicas_.clear();
}

void WorkerReplicasTest::StopReplica(size_t i) {
  replicas_.at(i)->runtime->Stop();
  if (replicas_[i]->thread.joinable()) replicas_[i]->thread.join();
}

void WorkerReplicasTest::Publish(const v1::TouchCommand& touch) {
  std::string topic =
      prefix_ + std::string(touch.channel() == v1::CHANNEL_SMS     ? bus::kTopicTouchSms
                            : touch.channel() == v1::CHANNEL_VOICE ? bus::kTopicTouchVoice
                                                                   : bus::kTopicTouchEmail);
  ASSERT_TRUE(producer_->ProduceSync(topic, touch.journey_id(), TouchEnvelope(touch)).ok());
}

}  // namespace blend::workers_test
