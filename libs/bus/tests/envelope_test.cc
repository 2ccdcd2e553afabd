#include "blend/bus/envelope.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace blend::bus {
namespace {

using ::testing::HasSubstr;

TEST(DecodeEnvelopeTest, DecodesEachPayloadKind) {
  v1::Envelope e;
  e.set_message_id("m-1");
  e.set_schema_version(1);
  e.mutable_disposition()->set_touch_id("t-1");
  auto d = DecodeEnvelope(e.SerializeAsString());
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->message_id(), "m-1");
  EXPECT_EQ(d->disposition().touch_id(), "t-1");
  e.mutable_touch()->set_touch_id("t-2");
  e.set_schema_version(0);  // unset: the first producers wrote none
  auto t = DecodeEnvelope(e.SerializeAsString());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->touch().touch_id(), "t-2");
}

TEST(DecodeEnvelopeTest, RefusesGarbageNewerSchemasAndEmptyEnvelopesWithAReason) {
  EXPECT_EQ(DecodeEnvelope("\xff\xff\xff").status().message(),
            "unparseable: not a blend.v1.Envelope");
  v1::Envelope e;
  e.set_message_id("m-1");
  EXPECT_EQ(DecodeEnvelope(e.SerializeAsString()).status().message(),
            "envelope carries no payload");
  e.mutable_customer_event()->set_event_id("ev");
  e.set_schema_version(2);
  absl::Status newer = DecodeEnvelope(e.SerializeAsString()).status();
  EXPECT_EQ(newer.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(newer.message()), HasSubstr("schema_version 2 is newer"));
  // Invalid UTF-8 in a proto3 string field is not an envelope either.
  v1::Envelope bad_utf8;
  bad_utf8.mutable_disposition()->set_touch_id("t");
  std::string bytes = bad_utf8.SerializeAsString();
  bytes.back() = '\xff';
  EXPECT_FALSE(DecodeEnvelope(bytes).ok());
}

}  // namespace
}  // namespace blend::bus
