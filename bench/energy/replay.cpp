#include "bench/energy/replay.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "core/energy_counter.h"
#include "drivers/driver_set.h"

namespace hearth::bench::energy {
namespace {

using rules::energy::EnergyLedger;

std::string iso_time(std::int64_t unix_s) {
  const std::time_t t = unix_s;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

std::string payload(std::int64_t unix_s, const std::string& start, std::optional<double> total_kwh, double power_w) {
  char buf[256];
  if (total_kwh) {
    std::snprintf(buf, sizeof buf, R"({"Time":"%s","ENERGY":{"TotalStartTime":"%s","Total":%.3f,"Power":%.1f}})",
                  iso_time(unix_s).c_str(), start.c_str(), *total_kwh, power_w);
  } else {
    std::snprintf(buf, sizeof buf, R"({"Time":"%s","ENERGY":{"Power":%.1f}})", iso_time(unix_s).c_str(), power_w);
  }
  return buf;
}

// One simulated plug: the true cumulative energy, and the device counter that restarts on reboot.
struct Plug {
  std::size_t channel = 0;
  double energy_kwh = 0.0;        // true, since the start of the replay
  double counter_base_kwh = 0.0;  // true energy when the counter last started from zero
  std::string start_time;
  hearth::core::EnergyCounterState counter;
};

}  // namespace

std::string device_id(std::size_t channel) { return std::string("tasmota:refit_") + REFIT_CHANNELS.at(channel); }

rules::energy::EnergyDeviceFacts device_facts(std::size_t channel) {
  rules::energy::EnergyDeviceFacts f;
  f.device.id = device_id(channel);
  f.device.kind = channel == 0 ? "mains" : REFIT_CHANNELS.at(channel);
  f.device.room = channel == 0 ? "" : "kitchen";
  static constexpr std::array<const char*, 5> NAMES = {"Mains", "Kettle", "Dishwasher", "Washing machine", "Microwave"};
  f.device.name = NAMES.at(channel);
  f.rating_w = channel == 0 ? 23000.0 : 3120.0;  // a 100 A supply; 13 A plugs
  return f;
}

std::vector<ChannelEvents> make_events(const std::vector<MinuteRow>& rows, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<ChannelEvents> out(REFIT_CHANNELS.size());
  const std::size_t per_day = 1440;
  const std::size_t days = rows.size() / per_day;
  for (std::size_t c = 0; c < out.size(); ++c) {
    for (std::size_t d = 0; d < days; ++d) {
      const std::size_t first = d * per_day;
      std::vector<std::size_t> running;
      for (std::size_t i = first + 1; i < first + per_day; ++i) {
        if (rows[i - 1].w[c] > 10.0) running.push_back(i);
      }
      if (!running.empty()) out[c].restarts.push_back(running[rng() % running.size()]);
      out[c].restarts.push_back(first + 1 + rng() % (per_day - 1));
      if (d % 3 == 1) {
        const std::size_t start = first + rng() % per_day;
        const std::size_t length = 30 + rng() % 151;
        out[c].outages.emplace_back(start, std::min(rows.size(), start + length));
      }
    }
    std::sort(out[c].restarts.begin(), out[c].restarts.end());
  }
  return out;
}

std::unique_ptr<EnergyLedger> replay(const std::vector<MinuteRow>& rows, const Scenario& scenario,
                                     const std::vector<ChannelEvents>& events, const rules::energy::Tariff& tariff,
                                     ReplayStats& stats, std::ostream* traffic) {
  rules::energy::EnergyConfig config;
  config.clock = rules::energy::fixed_clock();  // UTC days, as the dataset and the independent script use
  config.bridge_from_power = scenario.bridging;
  auto ledger = std::make_unique<EnergyLedger>(config, tariff);
  auto drivers = drivers::DriverSet::make_default({});

  std::vector<Plug> plugs(REFIT_CHANNELS.size());
  std::vector<std::set<std::size_t>> restarts(plugs.size());
  std::vector<std::vector<bool>> offline(plugs.size(), std::vector<bool>(rows.size() + 1, false));
  for (std::size_t c = 0; c < plugs.size(); ++c) {
    plugs[c].channel = c;
    plugs[c].start_time = "2014-01-01T00:00:00";
    ledger->set_device(device_facts(c));
    if (scenario.restarts) restarts[c].insert(events[c].restarts.begin(), events[c].restarts.end());
    if (!scenario.outages) continue;
    for (const auto& [from, to] : events[c].outages) {
      for (std::size_t i = from; i < to; ++i) offline[c][i] = true;
    }
  }

  // Row i's message is sent at the start of its minute and reports the power of that minute; the
  // counter then holds the energy of the rows before it. One extra message closes the last minute.
  for (std::size_t i = 0; i <= rows.size(); ++i) {
    const bool last = i == rows.size();
    const std::int64_t unix_s = last ? rows.back().unix_s + 60 : rows[i].unix_s;
    const auto ts = core::from_epoch_ms(unix_s * 1000);
    for (auto& p : plugs) {
      if (i > 0) {
        const double prev_w = rows[i - 1].w[p.channel];
        if (restarts[p.channel].count(i) != 0) {
          // Rebooted 30 s before this report: the counter restarts from zero, the half minute
          // before it (and anything since the last report) is lost to the counter.
          p.counter_base_kwh = p.energy_kwh + prev_w * 30.0 / 3.6e6;
          p.start_time = iso_time(unix_s - 30);
        }
        p.energy_kwh += prev_w * 60.0 / 3.6e6;
      }
      // REFIT's own gaps (zero-filled rows) and the injected outages send nothing.
      if (!last && (rows[i].gap || offline[p.channel][i])) continue;
      const bool with_counter =
          scenario.counter_every_min > 0 && (last || i % static_cast<std::size_t>(scenario.counter_every_min) == 0);
      std::optional<double> total;
      if (with_counter) total = std::round((p.energy_kwh - p.counter_base_kwh) * 1000.0) / 1000.0;
      const std::string topic = "tele/refit_" + std::string(REFIT_CHANNELS[p.channel]) + "/SENSOR";
      const std::string body = payload(unix_s, p.start_time, total, last ? 0.0 : rows[i].w[p.channel]);
      ++stats.messages;
      if (traffic != nullptr) {
        // The payloads hold no character that needs escaping beyond the quotes.
        std::string escaped;
        for (char ch : body) {
          if (ch == '"') escaped.push_back('\\');
          escaped.push_back(ch);
        }
        *traffic << "{\"topic\":\"" << topic << "\",\"payload\":\"" << escaped << "\",\"ts_ms\":" << unix_s * 1000
                 << "}\n";
      }
      auto dispatch = drivers.decode(drivers::Message{topic, body, false, ts});
      for (auto& r : dispatch.decoded.readings) {
        ++stats.readings;
        if (r.metric != core::Metric::energy_kwh) {
          ledger->on_reading(r);
          continue;
        }
        const auto u = core::apply_energy_sample(p.counter, r.value, r.ts, r.counter_reset);
        if (u.step == core::EnergyStep::implausible) continue;  // held back by the pipeline
        if (u.step == core::EnergyStep::reset) ++stats.counter_resets;
        r.value = u.total_kwh;  // counter_reset stays as the driver set it (see EnergyLedger::on_energy_total)
        ledger->on_energy_total(r, u.step);
      }
    }
  }
  return ledger;
}

}  // namespace hearth::bench::energy
