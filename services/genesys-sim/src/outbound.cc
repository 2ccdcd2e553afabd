#include "blend/genesys_sim/outbound.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "blend/common/ids.h"
#include "blend/genesys_sim/api_error.h"
#include "blend/genesys_sim/util.h"

namespace blend::genesys_sim {
namespace {

absl::Status ListNotFound(const std::string& what, const std::string& id) {
  return GenesysError(absl::StatusCode::kNotFound, "not.found",
                      absl::StrCat("The ", what, " ", id, " was not found."));
}

}  // namespace

OutboundStore::OutboundStore(const Clock& clock, const SimConfig& config)
    : clock_(clock), dialer_(config.dialer), export_delay_(config.export_delay) {
  std::vector<OutcomeRule> rules =
      config.dialer.outcome_rules.empty() ? DefaultOutcomeRules() : config.dialer.outcome_rules;
  for (const OutcomeRule& r : rules) rules_.push_back({std::regex(r.number_regex), r});
  for (const auto& l : config.contact_lists)
    (void)UpsertContactList(l);  // never fails for a new list
  for (const auto& d : config.dnc_lists) (void)UpsertDncList(d);
  absl::MutexLock lock(&mu_);
  campaigns_ = config.campaigns;
}

absl::Status OutboundStore::UpsertContactList(const ContactListConfig& config) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  ContactList list;
  list.config = config;
  list.config.contacts.clear();
  AddSeedContacts(list, config.contacts, now);
  if (auto old = lists_.find(config.id); old != lists_.end()) {
    // Replaced contacts leave the queue (their queue items turn stale).
    for (const auto& [_, c] : old->second.contacts) queued_ -= c.queued ? 1 : 0;
  }
  lists_[config.id] = std::move(list);
  return absl::OkStatus();
}

void OutboundStore::AddSeedContacts(ContactList& list, const std::vector<SeedContact>& seeds,
                                    absl::Time now) {
  for (const SeedContact& seed : seeds) {
    Contact c;
    c.id = seed.id.empty() ? NewUuid() : seed.id;
    c.contact_list_id = list.config.id;
    c.data = seed.data;
    c.date_created = now;
    list.contacts[c.id] = std::move(c);
  }
}

absl::Status OutboundStore::UpsertDncList(const DncListConfig& config) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  DncList list;
  list.config = config;
  list.config.phone_numbers.clear();
  for (const std::string& n : config.phone_numbers) list.entries[DigitsOnly(n)] = {n, std::nullopt};
  auto it = dnc_lists_.find(config.id);
  list.date_created = it == dnc_lists_.end() ? now : it->second.date_created;
  list.version = it == dnc_lists_.end() ? 1 : it->second.version + 1;
  list.date_modified = now;
  dnc_lists_[config.id] = std::move(list);
  return absl::OkStatus();
}

absl::Status OutboundStore::UpsertCampaign(const CampaignConfig& campaign) {
  absl::MutexLock lock(&mu_);
  if (!lists_.contains(campaign.contact_list_id)) {
    return ListNotFound("contact list", campaign.contact_list_id);
  }
  for (const auto& d : campaign.dnc_list_ids) {
    if (!dnc_lists_.contains(d)) return ListNotFound("DNC list", d);
  }
  auto it = std::find_if(campaigns_.begin(), campaigns_.end(),
                         [&](const CampaignConfig& c) { return c.id == campaign.id; });
  if (it == campaigns_.end()) {
    campaigns_.push_back(campaign);
  } else {
    *it = campaign;
  }
  return absl::OkStatus();
}

std::vector<CampaignConfig> OutboundStore::Campaigns() const {
  absl::MutexLock lock(&mu_);
  return campaigns_;
}

std::vector<std::string> OutboundStore::ContactListIds() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> ids;
  for (const auto& [id, _] : lists_) ids.push_back(id);
  return ids;
}

std::vector<std::string> OutboundStore::DncListIds() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> ids;
  for (const auto& [id, _] : dnc_lists_) ids.push_back(id);
  return ids;
}

const CampaignConfig* OutboundStore::CampaignForList(const std::string& list_id) const {
  for (const CampaignConfig& c : campaigns_) {
    if (c.contact_list_id == list_id) return &c;
  }
  return nullptr;
}

void OutboundStore::Enqueue(Contact& contact, bool priority, absl::Time now) {
  if (contact.queued) --queued_;
  contact.queued = true;
  ++contact.queue_generation;
  ++queued_;
  QueueItem item{contact.contact_list_id, contact.id, contact.queue_generation,
                 now + dialer_.dial_delay};
  (priority ? priority_queue_ : normal_queue_).push_back(std::move(item));
}

absl::StatusOr<std::vector<Contact>> OutboundStore::AddContacts(
    const std::string& list_id, const std::vector<ContactInput>& inputs,
    const AddContactsOptions& options) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto lit = lists_.find(list_id);
  if (lit == lists_.end()) return ListNotFound("contact list", list_id);
  for (const ContactInput& in : inputs) {
    if (in.contact_list_id != list_id) {
      return GenesysError(
          absl::StatusCode::kInvalidArgument, "invalid.value",
          absl::StrCat("contactListId '", in.contact_list_id,
                       "' does not match the contact list in the path '", list_id, "'"));
    }
  }
  ContactList& list = lit->second;
  const bool dialable = CampaignForList(list_id) != nullptr;
  std::vector<Contact> out;
  for (const ContactInput& in : inputs) {
    auto [it, inserted] = list.contacts.try_emplace(in.id.empty() ? NewUuid() : in.id);
    Contact& c = it->second;
    if (inserted) {
      c.id = it->first;
      c.contact_list_id = list_id;
      c.date_created = now;
    }
    c.data = in.data;
    if (in.callable) c.callable = *in.callable;
    if (options.clear_system_data) {
      c.call_records.clear();
      c.callable = in.callable.value_or(true);
    }
    c.priority = options.priority;
    // doNotQueue keeps an existing contact where it is (and a dialled one undialled again).
    bool requeue = inserted || !options.do_not_queue;
    if (dialable && requeue) Enqueue(c, options.priority, now);
    out.push_back(c);
  }
  return out;
}

absl::StatusOr<Contact> OutboundStore::GetContact(const std::string& list_id,
                                                  const std::string& contact_id) const {
  absl::MutexLock lock(&mu_);
  auto lit = lists_.find(list_id);
  if (lit == lists_.end()) return ListNotFound("contact list", list_id);
  auto cit = lit->second.contacts.find(contact_id);
  if (cit == lit->second.contacts.end()) return ListNotFound("contact", contact_id);
  return cit->second;
}

absl::StatusOr<Contact> OutboundStore::UpdateContact(const std::string& list_id,
                                                     const std::string& contact_id,
                                                     const ContactInput& input) {
  absl::MutexLock lock(&mu_);
  auto lit = lists_.find(list_id);
  if (lit == lists_.end()) return ListNotFound("contact list", list_id);
  auto cit = lit->second.contacts.find(contact_id);
  if (cit == lit->second.contacts.end()) return ListNotFound("contact", contact_id);
  Contact& c = cit->second;
  c.data = input.data;
  if (input.callable) c.callable = *input.callable;
  return c;
}

absl::StatusOr<Contact> OutboundStore::DeleteContact(const std::string& list_id,
                                                     const std::string& contact_id) {
  absl::MutexLock lock(&mu_);
  auto lit = lists_.find(list_id);
  if (lit == lists_.end()) return ListNotFound("contact list", list_id);
  auto cit = lit->second.contacts.find(contact_id);
  if (cit == lit->second.contacts.end()) return ListNotFound("contact", contact_id);
  Contact removed = std::move(cit->second);
  lit->second.contacts.erase(cit);
  if (removed.queued) --queued_;  // its queue item turns stale (PopDue skips it)
  return removed;
}

absl::StatusOr<ContactListConfig> OutboundStore::GetContactList(const std::string& list_id) const {
  absl::MutexLock lock(&mu_);
  auto lit = lists_.find(list_id);
  if (lit == lists_.end()) return ListNotFound("contact list", list_id);
  return lit->second.config;
}

absl::StatusOr<std::vector<Contact>> OutboundStore::ListContacts(const std::string& list_id) const {
  absl::MutexLock lock(&mu_);
  auto lit = lists_.find(list_id);
  if (lit == lists_.end()) return ListNotFound("contact list", list_id);
  std::vector<Contact> out;
  for (const auto& [_, c] : lit->second.contacts) out.push_back(c);
  return out;
}

absl::StatusOr<OutboundStore::DncList*> OutboundStore::MutableRdsList(const std::string& list_id) {
  auto it = dnc_lists_.find(list_id);
  if (it == dnc_lists_.end()) return ListNotFound("DNC list", list_id);
  const std::string& type = it->second.config.dnc_source_type;
  if (type != "rds" && type != "rds_custom") {
    return GenesysError(absl::StatusCode::kInvalidArgument, "dnc.source.operation.not.supported",
                        absl::StrCat("Phone numbers can only be changed on internal (rds) DNC "
                                     "lists; list ",
                                     list_id, " is ", type, "."));
  }
  return &it->second;
}

absl::Status OutboundStore::AddDncNumbers(const std::string& list_id,
                                          const std::vector<std::string>& numbers,
                                          std::optional<absl::Time> expires) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto list = MutableRdsList(list_id);
  if (!list.ok()) return list.status();
  for (const std::string& n : numbers) (*list)->entries[DigitsOnly(n)] = {n, expires};
  (*list)->date_modified = now;
  return absl::OkStatus();
}

absl::Status OutboundStore::RemoveDncNumbers(const std::string& list_id,
                                             const std::vector<std::string>& numbers) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto list = MutableRdsList(list_id);
  if (!list.ok()) return list.status();
  for (const std::string& n : numbers) (*list)->entries.erase(DigitsOnly(n));
  (*list)->date_modified = now;
  return absl::OkStatus();
}

absl::Status OutboundStore::ClearDnc(const std::string& list_id, bool expired_only) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto list = MutableRdsList(list_id);
  if (!list.ok()) return list.status();
  std::erase_if((*list)->entries, [&](const auto& kv) {
    return !expired_only || (kv.second.expires && *kv.second.expires <= now);
  });
  (*list)->date_modified = now;
  return absl::OkStatus();
}

absl::StatusOr<DncListView> OutboundStore::GetDncList(const std::string& list_id) const {
  absl::MutexLock lock(&mu_);
  auto it = dnc_lists_.find(list_id);
  if (it == dnc_lists_.end()) return ListNotFound("DNC list", list_id);
  DncListView view{
      it->second.config, {}, it->second.date_created, it->second.date_modified, it->second.version};
  for (const auto& [_, e] : it->second.entries) view.entries.push_back(e);
  return view;
}

bool OutboundStore::OnDnc(const std::string& number,
                          const std::vector<std::string>& list_ids) const {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  return OnDncLocked(number, list_ids, now);
}

bool OutboundStore::OnDncLocked(const std::string& number, const std::vector<std::string>& list_ids,
                                absl::Time now) const {
  std::string key = DigitsOnly(number);
  for (const std::string& id : list_ids) {
    auto it = dnc_lists_.find(id);
    if (it == dnc_lists_.end()) continue;
    auto e = it->second.entries.find(key);
    if (e != it->second.entries.end() && (!e->second.expires || *e->second.expires > now)) {
      return true;
    }
  }
  return false;
}

std::string OutboundStore::DncCsv(const DncList& list) const {
  std::string csv = "PhoneNumber,ExpirationDateTime\r\n";
  for (const auto& [_, e] : list.entries) {
    absl::StrAppend(
        &csv, CsvField(e.phone_number), ",",
        e.expires ? absl::FormatTime("%Y-%m-%dT%H:%MZ", *e.expires, absl::UTCTimeZone()) : "",
        "\r\n");
  }
  return csv;
}

std::string OutboundStore::ContactListCsv(const ContactList& list) const {
  std::vector<std::string> header = {"inin-outbound-id"};
  for (const auto& col : list.config.column_names) header.push_back(col);
  for (const auto& p : list.config.phone_columns) {
    header.push_back("CallRecordLastAttempt-" + p.column_name);
    header.push_back("CallRecordLastResult-" + p.column_name);
  }
  header.push_back("ContactCallable");
  std::string csv;
  for (size_t i = 0; i < header.size(); ++i)
    absl::StrAppend(&csv, i ? "," : "", CsvField(header[i]));
  csv += "\r\n";
  for (const auto& [id, c] : list.contacts) {
    std::vector<std::string> row = {id};
    for (const auto& col : list.config.column_names) {
      auto it = c.data.find(col);
      row.push_back(it == c.data.end() ? "" : it->second);
    }
    for (const auto& p : list.config.phone_columns) {
      auto it = c.call_records.find(p.column_name);
      row.push_back(it == c.call_records.end() ? "" : FormatIso(it->second.last_attempt));
      row.push_back(it == c.call_records.end() ? "" : it->second.last_result);
    }
    row.push_back(c.callable ? "1" : "0");
    for (size_t i = 0; i < row.size(); ++i) absl::StrAppend(&csv, i ? "," : "", CsvField(row[i]));
    csv += "\r\n";
  }
  return csv;
}

absl::StatusOr<ExportJob> OutboundStore::StartExport(const std::string& kind,
                                                     const std::string& list_id) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  ExportJob job{NewUuid(), kind, list_id, now, now + export_delay_, ""};
  if (kind == "dnclist") {
    auto it = dnc_lists_.find(list_id);
    if (it == dnc_lists_.end()) return ListNotFound("DNC list", list_id);
    job.csv = DncCsv(it->second);
  } else {
    auto it = lists_.find(list_id);
    if (it == lists_.end()) return ListNotFound("contact list", list_id);
    job.csv = ContactListCsv(it->second);
  }
  exports_[job.id] = job;
  return job;
}

absl::StatusOr<ExportJob> OutboundStore::LatestExport(const std::string& kind,
                                                      const std::string& list_id) const {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  const bool exists = kind == "dnclist" ? dnc_lists_.contains(list_id) : lists_.contains(list_id);
  if (!exists) return ListNotFound(kind == "dnclist" ? "DNC list" : "contact list", list_id);
  const ExportJob* best = nullptr;
  for (const auto& [_, job] : exports_) {
    if (job.kind != kind || job.list_id != list_id || job.ready_at > now) continue;
    if (best == nullptr || job.created >= best->created) best = &job;
  }
  if (best == nullptr) {
    return GenesysError(absl::StatusCode::kNotFound, "no.available.list.export.uri",
                        absl::StrCat("There is no available export for list ", list_id,
                                     "; start one with POST .../export and try again."));
  }
  return *best;
}

absl::StatusOr<ExportJob> OutboundStore::ExportById(const std::string& export_id) const {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto it = exports_.find(export_id);
  if (it == exports_.end() || it->second.ready_at > now) return ListNotFound("download", export_id);
  return it->second;
}

bool OutboundStore::PopDue(std::deque<QueueItem>& queue, absl::Time now, QueueItem* item) {
  while (!queue.empty()) {
    QueueItem& front = queue.front();
    auto lit = lists_.find(front.list_id);
    Contact* c = nullptr;
    if (lit != lists_.end()) {
      auto cit = lit->second.contacts.find(front.contact_id);
      if (cit != lit->second.contacts.end()) c = &cit->second;
    }
    if (c == nullptr || !c->queued || c->queue_generation != front.generation) {
      queue.pop_front();  // stale: the contact was re-queued or removed
      continue;
    }
    // All items share one delay, so each queue is ordered by eligibility.
    if (front.eligible_at > now) return false;
    *item = std::move(front);
    queue.pop_front();
    c->queued = false;
    --queued_;
    return true;
  }
  return false;
}

Contact* OutboundStore::Find(const std::string& list_id, const std::string& contact_id) {
  auto lit = lists_.find(list_id);
  if (lit == lists_.end()) return nullptr;
  auto cit = lit->second.contacts.find(contact_id);
  return cit == lit->second.contacts.end() ? nullptr : &cit->second;
}

std::vector<CallOutcome> OutboundStore::DialDue(const PreCallCheck& precall) {
  absl::Time now = clock_.Now();
  std::vector<CallOutcome> out;
  const bool paced = dialer_.dial_interval > absl::ZeroDuration();
  absl::MutexLock lock(&mu_);
  if (paced && now < next_dial_at_) return out;
  QueueItem item;
  while (PopDue(priority_queue_, now, &item) || PopDue(normal_queue_, now, &item)) {
    const CampaignConfig* found = CampaignForList(item.list_id);
    if (found == nullptr) continue;  // the campaign was removed meanwhile
    const CampaignConfig campaign = *found;
    CallOutcome o;
    bool decided = PreDial(lists_.at(item.list_id).contacts.at(item.contact_id),
                           lists_.at(item.list_id), campaign, now, o);
    if (!decided && precall) {
      // The rule may call out over HTTP: never with the lock held (API calls would wait).
      Contact snapshot = lists_.at(item.list_id).contacts.at(item.contact_id);
      mu_.Unlock();
      PreCallVerdict verdict = precall(snapshot, campaign, o.phone_number);
      mu_.Lock();
      Contact* now_contact = Find(item.list_id, item.contact_id);
      // Removed meanwhile: never dialled. Queued again meanwhile: its new queue item dials it.
      if (now_contact == nullptr || now_contact->queued) continue;
      if (!now_contact->callable) {
        o.wrapup_code = "ININ-OUTBOUND-CONTACT-UNCALLABLE-SKIPPED";
        decided = true;
      } else if (!verdict.dial) {
        o.wrapup_code = verdict.wrapup_code;
        decided = true;
      }
    }
    Contact* contact = Find(item.list_id, item.contact_id);
    if (contact == nullptr) continue;
    if (!decided) {
      o.conversation_id = NewUuid();
      ApplyRules(o.phone_number, o);
    }
    Record(*contact, o);
    out.push_back(std::move(o));
    if (paced) {
      next_dial_at_ = now + dialer_.dial_interval;
      break;
    }
  }
  return out;
}

size_t OutboundStore::QueuedCount() const {
  absl::MutexLock lock(&mu_);
  return queued_;
}

bool OutboundStore::PreDial(const Contact& contact, const ContactList& list,
                            const CampaignConfig& campaign, absl::Time now, CallOutcome& o) const {
  o.contact_id = contact.id;
  o.contact_list_id = list.config.id;
  o.time = now;
  o.campaign = campaign;
  for (const PhoneColumnConfig& col : list.config.phone_columns) {
    auto it = contact.data.find(col.column_name);
    if (it != contact.data.end() && !it->second.empty()) {
      o.phone_column = col.column_name;
      o.phone_type = absl::AsciiStrToUpper(col.type);
      o.phone_number = it->second;
      break;
    }
  }
  if (o.phone_column.empty() && !list.config.phone_columns.empty()) {
    o.phone_column = list.config.phone_columns.front().column_name;
    o.phone_type = absl::AsciiStrToUpper(list.config.phone_columns.front().type);
  }
  if (!contact.callable) {
    o.wrapup_code = "ININ-OUTBOUND-CONTACT-UNCALLABLE-SKIPPED";
  } else if (OnDncLocked(o.phone_number, campaign.dnc_list_ids, now)) {
    o.wrapup_code = "ININ-OUTBOUND-ON-DO-NOT-CALL-LIST";  // scrubbed just in time, not dialled
  } else if (!IsE164(o.phone_number)) {
    o.wrapup_code = "ININ-OUTBOUND-INVALID-PHONE-NUMBER";
  } else {
    return false;
  }
  return true;
}

void OutboundStore::Record(Contact& contact, const CallOutcome& o) {
  if (!o.phone_column.empty()) contact.call_records[o.phone_column] = {o.time, o.wrapup_code};
}

void OutboundStore::ApplyRules(const std::string& number, CallOutcome& o) const {
  for (const CompiledRule& r : rules_) {
    if (std::regex_search(number, r.re)) {
      o.wrapup_code = r.rule.wrapup_code;
      o.call_analysis_disposition = r.rule.call_analysis_disposition;
      o.right_party_contact = r.rule.right_party_contact;
      if (r.rule.agent) o.agent_id = dialer_.agent_id;
      return;
    }
  }
  o.wrapup_code = "ININ-OUTBOUND-NO-ANSWER";  // no rule matched
  o.call_analysis_disposition = "disposition.classification.callable.noanswer";
}

}  // namespace blend::genesys_sim
