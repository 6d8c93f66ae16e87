#include "conformance/conformance.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

namespace hearth::fw {
namespace {

using core::Metric;
using nlohmann::json;
namespace native = drivers::native;

// Result rows, in report order; a row's position does not depend on when its step ran.
constexpr std::array<std::string_view, 13> CHECKS = {
    "describe is retained and valid",
    "status is retained \"online\"",
    "reading messages arrive",
    "every declared capability is reported",
    "boot id is the same everywhere",
    "energy counters never decrease",
    "every message follows the contract",
    "switchable relay follows on/off commands",
    "essential relay refuses \"off\"",
    "malformed command gets no ack",
    "missing relay is refused (no_such_relay)",
    "no retained reading, ack, claim or command",
    "last will publishes status \"offline\"",
};
enum Check : std::size_t {
  DESCRIBE,
  STATUS,
  READINGS,
  COVERAGE,
  BOOT,
  ENERGY,
  CONTRACT,
  SWITCHING,
  ESSENTIAL,
  MALFORMED,
  MISSING_RELAY,
  RETAINED,
  WILL
};

constexpr std::size_t MAX_LISTED = 3;  // violations spelled out in the report; the rest are counted

std::string seconds(std::chrono::milliseconds d) { return std::to_string(d.count() / 1000) + " s"; }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < MAX_LISTED; ++i) out += (i > 0 ? "; " : "") + items[i];
  if (items.size() > MAX_LISTED) out += "; +" + std::to_string(items.size() - MAX_LISTED) + " more";
  return out;
}

// obj[key], or nullptr when obj is not an object or has no such key (const operator[] would be UB).
const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

const native::Capability* find_relay(const native::Description& d, bool essential) {
  const auto it = std::find_if(d.caps.begin(), d.caps.end(), [&](const native::Capability& c) {
    return c.metric == Metric::relay_on && c.switchable && c.essential == essential;
  });
  return it == d.caps.end() ? nullptr : &*it;
}

const native::Capability* find_essential(const native::Description& d) {
  const auto it = std::find_if(d.caps.begin(), d.caps.end(),
                               [](const native::Capability& c) { return c.metric == Metric::relay_on && c.essential; });
  return it == d.caps.end() ? nullptr : &*it;
}

// A relay index the device does not have: past its highest channel, or the first channel without a relay.
int missing_relay(const native::Description& d) {
  int highest = 0;
  for (const auto& c : d.caps) highest = std::max(highest, c.ch);
  if (highest < native::MAX_CHANNEL) return highest + 1;
  for (int ch = 0; ch <= native::MAX_CHANNEL; ++ch) {
    if (d.find(ch, Metric::relay_on) == nullptr) return ch;
  }
  return -1;
}

}  // namespace

Conformance::Conformance(ConformanceOptions options, Publish publish, Subscribe subscribe, PowerCut power_cut)
    : options_(std::move(options)),
      publish_(std::move(publish)),
      subscribe_(std::move(subscribe)),
      power_cut_(std::move(power_cut)),
      root_(native::topic(options_.device, "")) {}

std::vector<std::string> Conformance::subscriptions() const { return {root_ + "#"}; }

void Conformance::on_message(const drivers::Message& msg) {
  if (!msg.topic.starts_with(root_)) return;
  const std::string_view leaf = msg.topic.substr(root_.size());
  if (!marker_.empty() && msg.topic == marker_) {
    marker_seen_ = true;
    return;
  }
  if (leaf == "cmd") {  // our own commands, echoed by our wildcard subscription
    if (msg.retained) retained_forbidden_.emplace_back("cmd");
    return;
  }
  ++messages_;
  note(msg, leaf, driver_.decode(msg));
}

void Conformance::note(const drivers::Message& msg, std::string_view leaf, const drivers::Decoded& d) {
  const std::string where(leaf);
  // Before the outcome: a retained copy of a reading already seen live decodes as a redelivery.
  if ((leaf == "reading" || leaf == "ack" || leaf == "claim") && msg.retained) retained_forbidden_.push_back(where);
  if (d.outcome == drivers::Outcome::rejected) {
    const std::string field = d.issues.empty() ? "" : " (" + d.issues.front().field + ")";
    return violation(where + ": " + d.reject_reason + field);
  }
  if (d.outcome == drivers::Outcome::not_mine) return violation(where + ": not a contract topic");
  for (const auto& issue : d.issues) {
    // A refusal in an ack is the device answering correctly, not a broken message.
    if (leaf == "ack" && issue.reason.starts_with("refused_")) continue;
    violation(where + ": " + issue.field + " " + issue.reason);
  }
  if (d.outcome != drivers::Outcome::decoded) return;  // e.g. a redelivered reading
  const json doc = json::parse(msg.payload, nullptr, false);
  if (!doc.is_object()) return;
  if (leaf == "describe" && msg.retained) describe_retained_ = true;
  if (leaf == "status") {
    const std::string state = doc.value("state", "");
    status_state_ = state;
    if (state == "online") {
      status_boot_ = doc.value("boot", "");
      // Only a subscription made after the publish sees the retain flag: ours at the start, or the probe.
      if (msg.retained) status_retained_online_ = true;
    }
    if (state == "offline" && step_ == Step::will) offline_seen_ = true;
  }
  if (leaf == "reading") note_reading(msg);
  if (leaf == "ack") {
    Ack a{doc.value("ok", false), std::nullopt, doc.value("reason", ""), doc.value("relay", -1)};
    if (const json* on = member(doc, "on"); on != nullptr && on->is_boolean()) {
      a.on = on->get<bool>();
      relay_state_[a.relay] = *a.on;
    }
    const std::string id = doc.value("id", "");
    if (acks_.emplace(id, a).second) ack_order_.push_back(id);
  }
}

void Conformance::note_reading(const drivers::Message& msg) {
  ++reading_messages_;
  const json doc = json::parse(msg.payload, nullptr, false);  // the driver accepted it: an object
  reading_boots_.insert(doc.value("boot", ""));
  const json* samples = member(doc, "readings");
  if (samples == nullptr || !samples->is_array()) return;
  for (const auto& s : *samples) {
    const json* metric = member(s, "metric");
    const json* value = member(s, "value");
    const json* ch_field = member(s, "ch");
    if (metric == nullptr || !metric->is_string() || value == nullptr) continue;
    const auto* spec = native::find_metric(metric->get<std::string>());
    if (spec == nullptr) continue;
    const int ch = ch_field != nullptr && ch_field->is_number() ? ch_field->get<int>() : 0;
    reported_.insert({ch, spec->metric});
    if (spec->metric == Metric::relay_on && value->is_boolean()) relay_state_[ch] = value->get<bool>();
    const json* counter = member(s, "counter");
    if (spec->metric != Metric::energy_kwh || !value->is_number() || counter == nullptr || !counter->is_string()) {
      continue;
    }
    const double kwh = value->get<double>();
    const auto key = std::pair{ch, counter->get<std::string>()};
    if (const auto it = last_energy_.find(key); it != last_energy_.end()) {
      ++energy_pairs_;
      if (kwh < it->second) {
        energy_decreases_.push_back("ch " + std::to_string(ch) + ": " + std::to_string(it->second) + " -> " +
                                    std::to_string(kwh) + " kWh, counter " + key.second);
      }
    }
    last_energy_[key] = kwh;
  }
}

void Conformance::violation(std::string text) {
  ++violation_count_;
  const auto it = std::find_if(violations_.begin(), violations_.end(), [&](const auto& v) { return v.first == text; });
  if (it == violations_.end()) {
    violations_.emplace_back(std::move(text), 1);
  } else {
    ++it->second;
  }
}

void Conformance::add(std::string name, Verdict verdict, std::string detail) {
  results_.push_back(CheckResult{std::move(name), verdict, std::move(detail)});
}

std::optional<Conformance::Ack> Conformance::ack(const std::string& id) const {
  const auto it = acks_.find(id);
  return it == acks_.end() ? std::nullopt : std::optional{it->second};
}

std::string Conformance::send_command(int relay, bool on) {
  const std::string id = "conf-" + std::to_string(++next_command_);
  publish_(Outgoing{root_ + "cmd", native::encode_command(id, relay, on)});
  return id;
}

void Conformance::send_raw_command(const std::string& payload) { publish_(Outgoing{root_ + "cmd", payload}); }

void Conformance::on_tick(core::TimePoint now) {
  if (step_ == Step::start) enter(Step::observe, now);
  // Several steps may complete on one tick (a step with nothing to do finishes at once).
  for (int guard = 0; guard < 16 && step_ != Step::finished; ++guard) {
    const bool complete = step_complete();
    if (!complete && now < deadline_) break;
    finish_step(!complete, now);
  }
}

void Conformance::enter(Step step, core::TimePoint now) {
  step_ = step;
  deadline_ = now + options_.timeout;
}

bool Conformance::step_complete() const {
  switch (step_) {
    case Step::observe: {
      const auto* d = description();
      if (d == nullptr || status_state_ != "online" || reading_messages_ == 0) return false;
      return std::all_of(d->caps.begin(), d->caps.end(), [&](const native::Capability& c) {
        return reported_.contains({c.ch, c.metric});
      });
    }
    case Step::switch_on:
    case Step::switch_back:
    case Step::essential:
    case Step::robustness:
      return acks_.contains(waiting_for_);
    case Step::retained:
      return marker_seen_;
    case Step::will:
      return offline_seen_;
    case Step::start:
    case Step::finished:
      break;
  }
  return true;
}

void Conformance::finish_step(bool timed_out, core::TimePoint now) {
  switch (step_) {
    case Step::observe:
      finish_observe(timed_out);
      return start_switch(now);
    case Step::switch_on: {
      const auto a = ack(waiting_for_);
      switch_on_ok_ = a && a->ok && a->on == !switch_original_ && a->relay == switch_relay_;
      switch_detail_ = "relay " + std::to_string(switch_relay_) + " " + (switch_original_ ? "off" : "on") + ": " +
                       (!a ? "no ack within " + seconds(options_.timeout) : (switch_on_ok_ ? "ack ok" : "wrong ack"));
      // Put the relay back however the first command went.
      waiting_for_ = send_command(switch_relay_, switch_original_);
      step_ = Step::switch_back;
      deadline_ = now + options_.timeout;
      return;
    }
    case Step::switch_back: {
      const auto a = ack(waiting_for_);
      const bool ok = a && a->ok && a->on == switch_original_ && a->relay == switch_relay_;
      switch_detail_ += std::string(", back ") + (switch_original_ ? "on" : "off") + ": " +
                        (!a ? "no ack within " + seconds(options_.timeout) : (ok ? "ack ok" : "wrong ack"));
      add(std::string(CHECKS[SWITCHING]), switch_on_ok_ && ok ? Verdict::pass : Verdict::fail, switch_detail_);
      return start_essential(now);
    }
    case Step::essential: {
      const auto* relay = find_essential(*description());
      const auto a = ack(waiting_for_);
      std::string detail = "relay " + std::to_string(relay->ch) + ": ";
      Verdict v = Verdict::fail;
      if (!a) {
        detail += "no ack within " + seconds(options_.timeout);
      } else if (a->ok) {
        detail += "SWITCHED OFF (switched back on)";
        (void)send_command(relay->ch, true);  // the suite must not leave an essential load off
      } else if (a->reason != "essential") {
        detail += "refused with reason \"" + a->reason + "\", not \"essential\"";
      } else {
        v = Verdict::pass;
        detail += "refused, reason essential";
      }
      add(std::string(CHECKS[ESSENTIAL]), v, detail);
      return start_robustness(now);
    }
    case Step::robustness: {
      const std::string malformed_id = "conf-" + std::to_string(next_command_ - 1);
      const auto probe = ack(waiting_for_);
      const bool acked_malformed = acks_.contains(malformed_id);
      if (!probe) {
        add(std::string(CHECKS[MALFORMED]), Verdict::skip, "no ack to the command sent after it");
      } else {
        add(std::string(CHECKS[MALFORMED]), acked_malformed ? Verdict::fail : Verdict::pass,
            acked_malformed ? "acknowledged {\"on\":\"off\"}" : "ignored; the next command was answered");
      }
      const bool refused = probe && !probe->ok && probe->reason == "no_such_relay";
      add(std::string(CHECKS[MISSING_RELAY]), refused ? Verdict::pass : Verdict::fail,
          !probe ? "no ack within " + seconds(options_.timeout)
                 : (refused ? "relay " + std::to_string(probe->relay) + " refused"
                            : "answered ok=" + std::string(probe->ok ? "true" : "false") + " reason \"" +
                                  probe->reason + "\""));
      return start_retained(now);
    }
    case Step::retained: {
      if (!retained_forbidden_.empty()) {
        add(std::string(CHECKS[RETAINED]), Verdict::fail, "retained: " + join(retained_forbidden_));
      } else {
        add(std::string(CHECKS[RETAINED]), marker_seen_ ? Verdict::pass : Verdict::skip,
            marker_seen_ ? "a fresh subscription found only status and describe" : "the probe message never came back");
      }
      return start_will(now);
    }
    case Step::will:
      add(std::string(CHECKS[WILL]), timed_out ? Verdict::fail : Verdict::pass,
          timed_out ? "no status \"offline\" within " + seconds(options_.timeout) + " of the power cut"
                    : "status \"offline\" after the power cut");
      return finish_all();
    case Step::start:
    case Step::finished:
      return;
  }
}

void Conformance::finish_observe(bool timed_out) {
  add(std::string(CHECKS[READINGS]), reading_messages_ > 0 ? Verdict::pass : Verdict::fail,
      reading_messages_ > 0 ? std::to_string(reading_messages_) + " before the commands"
                            : "none within " + seconds(options_.timeout));
  (void)timed_out;  // what is missing is reported by the describe, status and coverage rows
}

// Describe and status rows come last: a device that connected after the suite subscribed is only
// seen retained by the probe subscription.
void Conformance::finish_describe_and_status() {
  const auto* d = description();
  const std::string probe = marker_seen_ ? "" : " (the retained probe did not complete)";
  add(std::string(CHECKS[DESCRIBE]), d != nullptr && describe_retained_ ? Verdict::pass : Verdict::fail,
      d == nullptr ? "no valid describe within " + seconds(options_.timeout)
                   : (describe_retained_ ? d->model + " " + d->firmware + ", " + std::to_string(d->caps.size()) +
                                               " capabilities, contract minor " + std::to_string(d->minor)
                                         : "never delivered retained" + probe));
  add(std::string(CHECKS[STATUS]), status_retained_online_ ? Verdict::pass : Verdict::fail,
      status_retained_online_ ? "online, boot " + status_boot_
                              : (status_state_ ? "never retained \"online\" (last: \"" + *status_state_ + "\")" + probe
                                               : "no status within " + seconds(options_.timeout)));
}

void Conformance::start_switch(core::TimePoint now) {
  const auto* d = description();
  const auto* relay = d == nullptr ? nullptr : find_relay(*d, false);
  if (d == nullptr || relay == nullptr || !options_.switch_relays) {
    add(std::string(CHECKS[SWITCHING]), Verdict::skip,
        d == nullptr ? "no describe" : (relay == nullptr ? "no switchable, non-essential relay" : "--no-switch"));
    return start_essential(now);
  }
  switch_relay_ = relay->ch;
  const auto state = relay_state_.find(relay->ch);
  switch_original_ = state != relay_state_.end() && state->second;
  enter(Step::switch_on, now);
  waiting_for_ = send_command(switch_relay_, !switch_original_);
}

void Conformance::start_essential(core::TimePoint now) {
  const auto* d = description();
  const auto* relay = d == nullptr ? nullptr : find_essential(*d);
  if (relay == nullptr) {
    add(std::string(CHECKS[ESSENTIAL]), Verdict::skip, d == nullptr ? "no describe" : "no essential relay declared");
    return start_robustness(now);
  }
  enter(Step::essential, now);
  waiting_for_ = send_command(relay->ch, false);
}

void Conformance::start_robustness(core::TimePoint now) {
  const auto* d = description();
  const int missing = d == nullptr ? -1 : missing_relay(*d);
  if (missing < 0) {
    add(std::string(CHECKS[MALFORMED]), Verdict::skip, "no describe");
    add(std::string(CHECKS[MISSING_RELAY]), Verdict::skip, d == nullptr ? "no describe" : "every channel has a relay");
    return start_retained(now);
  }
  enter(Step::robustness, now);
  // MQTT keeps the order of one client's messages, so the ack to the second proves the first was read.
  const std::string malformed_id = "conf-" + std::to_string(++next_command_);
  send_raw_command(R"({"id":")" + malformed_id + R"(","relay":)" + std::to_string(d->caps.front().ch) +
                   R"(,"on":"off"})");
  waiting_for_ = send_command(missing, true);
}

void Conformance::start_retained(core::TimePoint now) {
  enter(Step::retained, now);
  // A new subscription gets every retained message again, flagged retained; the marker, sent after
  // it on the same connection, arrives after them.
  marker_ = root_ + "conformance-probe";
  subscribe_(root_ + "+");
  publish_(Outgoing{marker_, "probe"});
}

void Conformance::start_will(core::TimePoint now) {
  const auto* d = description();
  if (!power_cut_ || (d != nullptr && d->battery)) {
    add(std::string(CHECKS[WILL]), Verdict::skip,
        !power_cut_ ? "no power cut requested (--power-cut-cmd)" : "battery device: staleness, not the will");
    return finish_all();
  }
  enter(Step::will, now);
  offline_seen_ = false;
  power_cut_();
}

void Conformance::finish_all() {
  finish_describe_and_status();
  const auto* d = description();
  if (d == nullptr) {
    add(std::string(CHECKS[COVERAGE]), Verdict::skip, "no describe");
  } else {
    std::vector<std::string> missing;
    for (const auto& c : d->caps) {
      if (!reported_.contains({c.ch, c.metric})) {
        missing.push_back(std::string(core::to_string(c.metric)) + " ch " + std::to_string(c.ch));
      }
    }
    add(std::string(CHECKS[COVERAGE]), missing.empty() ? Verdict::pass : Verdict::fail,
        missing.empty() ? std::to_string(d->caps.size()) + " of " + std::to_string(d->caps.size())
                        : "never reported: " + join(missing));
  }

  std::set<std::string> boots = reading_boots_;
  if (!status_boot_.empty()) boots.insert(status_boot_);
  if (d != nullptr) boots.insert(d->boot);
  add(std::string(CHECKS[BOOT]), boots.size() == 1 ? Verdict::pass : (boots.empty() ? Verdict::skip : Verdict::fail),
      boots.size() == 1 ? *boots.begin()
                        : (boots.empty() ? "nothing seen"
                                         : "describe, status and readings disagree: " +
                                               join(std::vector<std::string>(boots.begin(), boots.end()))));

  if (!energy_decreases_.empty()) {
    add(std::string(CHECKS[ENERGY]), Verdict::fail, join(energy_decreases_));
  } else {
    add(std::string(CHECKS[ENERGY]), energy_pairs_ > 0 ? Verdict::pass : Verdict::skip,
        energy_pairs_ > 0 ? std::to_string(energy_pairs_) + " consecutive samples compared"
                          : "fewer than two energy samples of one counter");
  }

  std::vector<std::string> listed;
  for (const auto& [text, n] : violations_) listed.push_back(n > 1 ? text + " (x" + std::to_string(n) + ")" : text);
  add(std::string(CHECKS[CONTRACT]), violations_.empty() ? Verdict::pass : Verdict::fail,
      violations_.empty() ? std::to_string(messages_) + " messages, all valid"
                          : std::to_string(violation_count_) + " violations in " + std::to_string(messages_) +
                                " messages: " + join(listed));

  std::sort(results_.begin(), results_.end(), [](const CheckResult& a, const CheckResult& b) {
    const auto rank = [](const std::string& n) { return std::find(CHECKS.begin(), CHECKS.end(), n) - CHECKS.begin(); };
    return rank(a.name) < rank(b.name);
  });
  step_ = Step::finished;
}

bool Conformance::passed() const {
  return done() && std::none_of(results_.begin(), results_.end(),
                                [](const CheckResult& r) { return r.verdict == Verdict::fail; });
}

std::string Conformance::report() const {
  std::ostringstream out;
  std::size_t counts[3] = {0, 0, 0};
  out << "hearth-fw-conformance: device \"" << options_.device << "\" (" << root_ << "#)\n";
  for (const auto& r : results_) {
    static constexpr std::string_view LABEL[] = {"PASS", "FAIL", "SKIP"};
    const auto v = static_cast<std::size_t>(r.verdict);
    ++counts[v];
    std::string name = r.name;
    name.resize(std::max<std::size_t>(name.size(), 44), ' ');
    out << "  " << LABEL[v] << "  " << name << "  " << r.detail << "\n";
  }
  out << "result: " << counts[0] << " passed, " << counts[1] << " failed, " << counts[2]
      << " skipped: " << (passed() ? "CONFORMS" : "DOES NOT CONFORM") << "\n";
  return out.str();
}

}  // namespace hearth::fw
