#pragma once
// The firmware conformance suite's checks, independent of any MQTT client: the caller delivers
// the broker's messages (on_message), calls on_tick() regularly, and publishes what the suite asks
// for. Every message seen is validated by the Hearth native driver (the gateway's own decoder).
//
// Steps, in order; each waits at most `timeout` for what it expects:
//   observe    retained describe and status online, at least one reading message
//   switch     a switchable, non-essential relay: on/off commands, each answered by a matching ack
//   essential  an essential relay: "off" must be refused with reason "essential"
//   robustness a malformed command gets no ack; a relay the device lacks gets "no_such_relay"
//   retained   a fresh subscription finds no retained reading, ack, claim or command
//   will       (only with a power cut) the broker publishes status offline: the device set a will
// Commands use ids "conf-<n>" and are never retained. The switch step restores the relay's state.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/time.h"
#include "drivers/hearth_native_driver.h"

namespace hearth::fw {

struct ConformanceOptions {
  std::string device;  // native id: "plug-7" for hearth/v1/plug-7/...
  std::chrono::milliseconds timeout{std::chrono::seconds{30}};
  bool switch_relays = true;  // off: skip the switch step (a relay in real use)
};

enum class Verdict : std::uint8_t { pass, fail, skip };

struct CheckResult {
  std::string name;
  Verdict verdict = Verdict::skip;
  std::string detail;
};

struct Outgoing {
  std::string topic;
  std::string payload;
};

class Conformance {
 public:
  using Publish = std::function<void(const Outgoing&)>;  // QoS 1, never retained
  using Subscribe = std::function<void(const std::string& filter)>;
  using PowerCut = std::function<void()>;  // cuts the device off abruptly (kill -9, a smart plug)

  // power_cut may be empty: the last-will check is then skipped.
  Conformance(ConformanceOptions options, Publish publish, Subscribe subscribe, PowerCut power_cut = {});

  // The filters to subscribe to before the first on_tick().
  std::vector<std::string> subscriptions() const;
  void on_message(const drivers::Message& msg);
  void on_tick(core::TimePoint now);

  bool done() const { return step_ == Step::finished; }
  bool passed() const;
  const std::vector<CheckResult>& results() const { return results_; }
  // The pass/fail table.
  std::string report() const;

 private:
  enum class Step : std::uint8_t {
    start,
    observe,
    switch_on,
    switch_back,
    essential,
    robustness,
    retained,
    will,
    finished
  };

  struct Ack {
    bool ok = false;
    std::optional<bool> on;
    std::string reason;
    int relay = -1;
  };

  void enter(Step step, core::TimePoint now);
  bool step_complete() const;
  void finish_step(bool timed_out, core::TimePoint now);
  void finish_observe(bool timed_out);
  void finish_describe_and_status();
  void start_switch(core::TimePoint now);
  void start_essential(core::TimePoint now);
  void start_robustness(core::TimePoint now);
  void start_retained(core::TimePoint now);
  void start_will(core::TimePoint now);
  void finish_all();

  std::string send_command(int relay, bool on);
  void send_raw_command(const std::string& payload);
  void note(const drivers::Message& msg, std::string_view leaf, const drivers::Decoded& d);
  void note_reading(const drivers::Message& msg);
  void violation(std::string text);
  void add(std::string name, Verdict verdict, std::string detail);
  std::optional<Ack> ack(const std::string& id) const;
  const drivers::native::Description* description() const { return driver_.description(options_.device); }

  ConformanceOptions options_;
  Publish publish_;
  Subscribe subscribe_;
  PowerCut power_cut_;
  std::string root_;  // "hearth/v1/<device>/"
  drivers::HearthNativeDriver driver_;

  Step step_ = Step::start;
  core::TimePoint deadline_{};
  int next_command_ = 0;

  // What has been seen.
  std::size_t messages_ = 0;
  std::vector<std::pair<std::string, std::size_t>> violations_;  // distinct text, times seen
  std::size_t violation_count_ = 0;
  bool describe_retained_ = false;
  std::optional<std::string> status_state_;
  bool status_retained_online_ = false;
  std::string status_boot_;
  std::size_t reading_messages_ = 0;
  std::set<std::string> reading_boots_;
  std::set<std::pair<int, core::Metric>> reported_;
  std::map<int, bool> relay_state_;                            // by channel, from readings and acks
  std::map<std::pair<int, std::string>, double> last_energy_;  // (channel, counter) -> kWh
  std::size_t energy_pairs_ = 0;                               // consecutive samples compared
  std::vector<std::string> energy_decreases_;
  std::vector<std::string> retained_forbidden_;
  std::map<std::string, Ack> acks_;
  std::vector<std::string> ack_order_;
  bool marker_seen_ = false;
  bool offline_seen_ = false;

  // The command step in progress.
  std::string waiting_for_;  // ack id
  int switch_relay_ = -1;
  bool switch_original_ = false;
  bool switch_on_ok_ = false;
  std::string switch_detail_;
  std::string marker_;

  std::vector<CheckResult> results_;
};

}  // namespace hearth::fw
