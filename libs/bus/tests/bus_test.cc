// Pure parts of libs/bus: error mapping, topic names, dead-letter records, config validation.

#include <algorithm>
#include <string>

#include <librdkafka/rdkafka.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/bus/consumer.h"
#include "blend/bus/dead_letter.h"
#include "blend/bus/errors.h"
#include "blend/bus/producer.h"
#include "blend/bus/topics.h"
#include "blend/common/clock.h"

namespace blend::bus {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct ErrorCase {
  RdKafka::ErrorCode kafka;
  absl::StatusCode expected;
};

class KafkaErrorToStatusTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(KafkaErrorToStatusTest, MapsToRetryVocabulary) {
  absl::Status st = KafkaErrorToStatus(GetParam().kafka, "deliver to topic t");
  EXPECT_EQ(st.code(), GetParam().expected) << st;
  if (!st.ok()) {
    EXPECT_THAT(std::string(st.message()), HasSubstr("deliver to topic t: "));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Codes, KafkaErrorToStatusTest,
    ::testing::Values(
        ErrorCase{RdKafka::ERR_NO_ERROR, absl::StatusCode::kOk},
        ErrorCase{RdKafka::ERR__MSG_TIMED_OUT, absl::StatusCode::kUnavailable},
        ErrorCase{RdKafka::ERR__TRANSPORT, absl::StatusCode::kUnavailable},
        ErrorCase{RdKafka::ERR__ALL_BROKERS_DOWN, absl::StatusCode::kUnavailable},
        ErrorCase{RdKafka::ERR_NOT_ENOUGH_REPLICAS, absl::StatusCode::kUnavailable},
        ErrorCase{RdKafka::ERR__QUEUE_FULL, absl::StatusCode::kResourceExhausted},
        ErrorCase{RdKafka::ERR_REBALANCE_IN_PROGRESS, absl::StatusCode::kAborted},
        ErrorCase{RdKafka::ERR_ILLEGAL_GENERATION, absl::StatusCode::kAborted},
        ErrorCase{RdKafka::ERR_MSG_SIZE_TOO_LARGE, absl::StatusCode::kInvalidArgument},
        ErrorCase{RdKafka::ERR_UNKNOWN_TOPIC_OR_PART, absl::StatusCode::kNotFound},
        ErrorCase{RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED, absl::StatusCode::kPermissionDenied},
        ErrorCase{RdKafka::ERR__FATAL, absl::StatusCode::kFailedPrecondition},
        ErrorCase{RdKafka::ERR__PURGE_QUEUE, absl::StatusCode::kCancelled},
        ErrorCase{RdKafka::ERR_UNKNOWN, absl::StatusCode::kInternal}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) {
      // "_MSG_TIMED_OUT" -> "MSG_TIMED_OUT": test names must not start with '_'.
      std::string name = rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(info.param.kafka));
      return name.substr(name.find_first_not_of('_'));
    });

TEST(TopicsTest, BlendTopicsListsFiveTopicsAndTheirDeadLetterTopics) {
  EXPECT_THAT(
      BlendTopics(),
      ElementsAre("blend.touch.sms", "blend.touch.voice", "blend.touch.email", "blend.dispositions",
                  "blend.customer-events", "blend.touch.sms.dlq", "blend.touch.voice.dlq",
                  "blend.touch.email.dlq", "blend.dispositions.dlq", "blend.customer-events.dlq"));
}

TEST(TopicsTest, TouchTopicPerChannel) {
  EXPECT_EQ(TouchTopic(Channel::kSms), "blend.touch.sms");
  EXPECT_EQ(TouchTopic(Channel::kVoice), "blend.touch.voice");
  EXPECT_EQ(TouchTopic(Channel::kEmail), "blend.touch.email");
}

TEST(TopicsTest, EnsureTopicsRejectsZeroPartitions) {
  EXPECT_EQ(EnsureTopics("127.0.0.1:1", {"t"}, 0).code(), absl::StatusCode::kInvalidArgument);
}

TEST(MessageTest, FindHeaderReturnsFirstMatch) {
  Headers headers = {{"a", "1"}, {"b", "2"}, {"a", "3"}};
  EXPECT_EQ(FindHeader(headers, "a"), "1");
  EXPECT_EQ(FindHeader(headers, "b"), "2");
  EXPECT_EQ(FindHeader(headers, "c"), std::nullopt);
}

TEST(DeadLetterTest, RecordKeepsKeyPayloadHeadersAndAddsProvenance) {
  FakeClock clock(absl::FromUnixSeconds(1'767'225'600));  // 2026-01-01T00:00:00Z
  Message original{.topic = "blend.dispositions",
                   .partition = 3,
                   .offset = 42,
                   .key = "journey-1",
                   .payload = std::string("\x00\x01garbage", 9),
                   .headers = {{"trace-id", "abc"}}};
  OutgoingMessage dlq = MakeDeadLetter(original, "unparseable Disposition", clock.Now());
  EXPECT_EQ(dlq.topic, "blend.dispositions.dlq");
  EXPECT_EQ(dlq.key, "journey-1");
  EXPECT_EQ(dlq.payload, original.payload);
  EXPECT_EQ(FindHeader(dlq.headers, "trace-id"), "abc");
  EXPECT_EQ(FindHeader(dlq.headers, kDlqOriginalTopic), "blend.dispositions");
  EXPECT_EQ(FindHeader(dlq.headers, kDlqOriginalPartition), "3");
  EXPECT_EQ(FindHeader(dlq.headers, kDlqOriginalOffset), "42");
  EXPECT_EQ(FindHeader(dlq.headers, kDlqReason), "unparseable Disposition");
  EXPECT_EQ(FindHeader(dlq.headers, kDlqTime), "2026-01-01T00:00:00+00:00");
}

TEST(ProducerConfigTest, RejectsMissingBrokers) {
  auto p = Producer::Create(ProducerConfig{});
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ProducerConfigTest, RefusesToTurnOffIdempotenceOrAcks) {
  ProducerConfig config{.brokers = "127.0.0.1:1"};
  config.properties["enable.idempotence"] = "false";
  EXPECT_EQ(Producer::Create(config).status().code(), absl::StatusCode::kInvalidArgument);
  config.properties = {{"acks", "1"}};
  EXPECT_THAT(Producer::Create(config).status().message(), HasSubstr("acks=all"));
}

TEST(ProducerConfigTest, RefusesUnknownKafkaProperty) {
  ProducerConfig config{.brokers = "127.0.0.1:1"};
  config.properties["no.such.property"] = "1";
  auto p = Producer::Create(config);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("no.such.property"));
}

TEST(ConsumerConfigTest, RequiresBrokersGroupAndTopics) {
  ConsumerConfig config{.brokers = "127.0.0.1:1", .group_id = "g", .topics = {"t"}};
  ConsumerConfig no_group = config;
  no_group.group_id.clear();
  EXPECT_EQ(Consumer::Create(no_group).status().code(), absl::StatusCode::kInvalidArgument);
  ConsumerConfig no_topics = config;
  no_topics.topics.clear();
  EXPECT_EQ(Consumer::Create(no_topics).status().code(), absl::StatusCode::kInvalidArgument);
  ConsumerConfig bad_heartbeat = config;
  bad_heartbeat.heartbeat_interval = bad_heartbeat.session_timeout;
  EXPECT_EQ(Consumer::Create(bad_heartbeat).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace blend::bus
