// One consent record per customer, in the orchestrator: the ConsentService operations (every
// write through RecordSuppression, suppression_write.h) and the consent facts used by the emit,
// claim and dial-time decisions (ApplyConsent).

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "blend/common/status_macros.h"
#include "blend/consent/consent_store.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/orchestrator/pg_journey_store.h"
#include "blend/orchestrator/suppression_write.h"
#include "blend/store/transaction.h"
#include "blend/telemetry/log.h"

namespace blend::orchestrator {
namespace {

// Page tokens: "<recorded_at micros>:<suppression id>" of the last record of the page.
std::string PageToken(const consent::Record& r) {
  return absl::StrCat(absl::ToUnixMicros(r.recorded_at), ":", r.suppression_id);
}

}  // namespace

void ApplyConsent(const std::vector<consent::Record>& records, const blend::v1::Customer& customer,
                  const journey::CompiledCampaign& campaign, absl::Time now,
                  journey::CustomerFacts& facts) {
  policy::SuppressionFacts f =
      consent::Evaluate(records, SubjectOf(customer), ScopeOf(campaign), now);
  facts.sms_opted_out = f.sms_opted_out;
  facts.voice_opted_out = f.voice_opted_out;
  facts.email_opted_out = f.email_opted_out;
  facts.dnc_active = f.dnc_active;
}

blend::v1::Suppression SuppressionToProto(const consent::Record& r) {
  blend::v1::Suppression s;
  s.set_suppression_id(r.suppression_id);
  s.set_customer_id(r.customer_id);
  s.set_address(r.address);
  s.set_channel(static_cast<blend::v1::SuppressionChannel>(r.channel));
  s.set_reason(static_cast<blend::v1::SuppressionReason>(r.reason));
  s.set_source(r.source);
  *s.mutable_recorded_at() = ToProto(r.recorded_at);
  if (r.expires_at) *s.mutable_expires_at() = ToProto(*r.expires_at);
  s.set_note(r.note);
  return s;
}

absl::StatusOr<consent::Record> SuppressionFromProto(const blend::v1::Suppression& s,
                                                     absl::Time now) {
  consent::Record r;
  r.customer_id = s.customer_id();
  r.address = s.address();
  std::optional<consent::Scope> channel = consent::ScopeFromInt(s.channel());
  if (!channel) return absl::InvalidArgumentError("channel is required (sms, voice, email or all)");
  r.channel = *channel;
  std::optional<consent::Reason> reason = consent::ReasonFromInt(s.reason());
  if (!reason) {
    return absl::InvalidArgumentError(
        "reason is required (opt_out, dnc, legal_hold, bankruptcy, deceased or crm)");
  }
  r.reason = *reason;
  r.source = s.source();
  r.recorded_at = now;
  if (s.has_expires_at()) r.expires_at = FromProto(s.expires_at());
  r.note = s.note();
  BLEND_RETURN_IF_ERROR(consent::Normalize(r));
  return r;
}

absl::StatusOr<blend::v1::PutSuppressionResponse> JourneyRunner::PutSuppression(
    const blend::v1::Suppression& suppression) {
  BLEND_ASSIGN_OR_RETURN(consent::Record record,
                         SuppressionFromProto(suppression, ctx_.clock().Now()));
  return ctx_.Transact(
      {.name = "consent_put", .timed = true},
      [&](pqxx::work& tx, TxNotes& notes) -> absl::StatusOr<blend::v1::PutSuppressionResponse> {
        PgJourneyStore store(tx);
        SuppressionPut put = RecordSuppression(store, stepper_, record, ctx_.clock().Now(), notes);
        blend::v1::PutSuppressionResponse resp;
        *resp.mutable_suppression() = SuppressionToProto(put.record);
        resp.set_created(put.created);
        return resp;
      });
}

std::vector<blend::v1::ImportSuppressionResult> JourneyRunner::ImportSuppressions(
    const std::vector<blend::v1::ImportSuppressionRequest>& rows) {
  std::vector<blend::v1::ImportSuppressionResult> results(rows.size());
  std::vector<std::optional<consent::Record>> records(rows.size());
  const absl::Time now = ctx_.clock().Now();
  for (size_t i = 0; i < rows.size(); ++i) {
    results[i].set_row(rows[i].row());
    auto r = SuppressionFromProto(rows[i].suppression(), now);
    if (!r.ok()) {
      results[i].set_reason(std::string(r.status().message()));
      continue;
    }
    records[i] = std::move(*r);
  }
  absl::Status st = ctx_.Transact(
      {.name = "consent_import"}, [&](pqxx::work& tx, TxNotes& notes) -> absl::Status {
        PgJourneyStore store(tx);
        for (size_t i = 0; i < rows.size(); ++i) {
          if (!records[i]) continue;
          SuppressionPut put = RecordSuppression(store, stepper_, *records[i], now, notes);
          results[i].set_accepted(true);
          results[i].set_duplicate(!put.created);
          results[i].set_suppression_id(put.record.suppression_id);
        }
        return absl::OkStatus();
      });
  if (!st.ok()) {
    // The batch did not commit: no row of it is recorded.
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!records[i]) continue;
      results[i].set_accepted(false);
      results[i].set_duplicate(false);
      results[i].clear_suppression_id();
      results[i].set_reason(absl::StrCat("not recorded: ", st.message()));
    }
    return results;
  }
  return results;
}

absl::StatusOr<blend::v1::Consent> JourneyRunner::GetConsent(const std::string& customer_id,
                                                             const std::string& address) {
  std::string normalized;
  if (!address.empty()) {
    BLEND_ASSIGN_OR_RETURN(normalized, consent::NormalizeAddress(address));
  }
  if (customer_id.empty() && normalized.empty()) {
    return absl::InvalidArgumentError("customer_id or address is required");
  }
  return ctx_.Transact({.name = "consent_get", .read_only = true},
                       [&](pqxx::work& tx, TxNotes&) -> absl::StatusOr<blend::v1::Consent> {
                         blend::v1::Consent out;
                         out.set_customer_id(customer_id);
                         out.set_address(normalized);
                         for (const consent::Record& r : consent::pg::FindInForce(
                                  tx, {customer_id}, {normalized}, ctx_.clock().Now())) {
                           *out.add_suppressions() = SuppressionToProto(r);
                         }
                         return out;
                       });
}

absl::StatusOr<blend::v1::ListSuppressionsResponse> JourneyRunner::ListSuppressions(
    const blend::v1::ListSuppressionsRequest& req) {
  consent::pg::ListFilter f;
  f.customer_id = req.customer_id();
  if (!req.address().empty()) {
    BLEND_ASSIGN_OR_RETURN(f.address, consent::NormalizeAddress(req.address()));
  }
  if (req.channel() != blend::v1::SUPPRESSION_CHANNEL_UNSPECIFIED) {
    f.channel = consent::ScopeFromInt(req.channel());
    if (!f.channel) return absl::InvalidArgumentError("unknown channel");
  }
  if (req.reason() != blend::v1::SUPPRESSION_REASON_UNSPECIFIED) {
    f.reason = consent::ReasonFromInt(req.reason());
    if (!f.reason) return absl::InvalidArgumentError("unknown reason");
  }
  f.include_expired = req.include_expired();
  if (req.page_size() < 0) return absl::InvalidArgumentError("page_size must not be negative");
  f.limit = req.page_size() == 0 ? 100 : std::min(req.page_size(), 1000);
  if (!req.page_token().empty()) {
    std::pair<std::string, std::string> parts =
        absl::StrSplit(req.page_token(), absl::MaxSplits(':', 1));
    int64_t us = 0;
    if (!absl::SimpleAtoi(parts.first, &us) || parts.second.empty()) {
      return absl::InvalidArgumentError("bad page_token");
    }
    f.after_recorded_at = absl::FromUnixMicros(us);
    f.after_id = parts.second;
  }
  return ctx_.Transact(
      {.name = "consent_list", .read_only = true},
      [&](pqxx::work& tx, TxNotes&) -> absl::StatusOr<blend::v1::ListSuppressionsResponse> {
        blend::v1::ListSuppressionsResponse out;
        // One more than asked: whether a next page exists.
        consent::pg::ListFilter probe = f;
        probe.limit = f.limit + 1;
        std::vector<consent::Record> rows = consent::pg::List(tx, probe, ctx_.clock().Now());
        const bool more = static_cast<int>(rows.size()) > f.limit;
        if (more) rows.resize(f.limit);
        for (const auto& r : rows) *out.add_suppressions() = SuppressionToProto(r);
        if (more) out.set_next_page_token(PageToken(rows.back()));
        return out;
      });
}

absl::StatusOr<blend::v1::RemoveSuppressionResponse> JourneyRunner::RemoveSuppression(
    const std::string& suppression_id, const std::string& removed_by, const std::string& why) {
  if (suppression_id.empty()) return absl::InvalidArgumentError("suppression_id is required");
  auto out = ctx_.Transact(
      {.name = "consent_remove"},
      [&](pqxx::work& tx, TxNotes&) -> absl::StatusOr<blend::v1::RemoveSuppressionResponse> {
        std::optional<consent::Record> removed =
            consent::pg::Remove(tx, suppression_id, removed_by, why, ctx_.clock().Now());
        if (!removed) {
          return absl::NotFoundError(absl::StrCat("no suppression ", suppression_id, " in force"));
        }
        blend::v1::RemoveSuppressionResponse resp;
        *resp.mutable_removed() = SuppressionToProto(*removed);
        return resp;
      });
  if (out.ok()) {
    BLEND_LOG(kInfo, "suppression removed",
              {{"suppression_id", suppression_id}, {"by", removed_by}, {"why", why}});
  }
  return out;
}

}  // namespace blend::orchestrator
