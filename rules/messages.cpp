#include "rules/messages.h"

#include <array>
#include <string>

namespace hearth::rules {
namespace {

struct Entry {
  std::string_view key;
  std::string_view en;
  std::string_view cy;
};

// The Welsh strings are a first draft and MUST be reviewed by a fluent Welsh speaker before
// release (carers rely on them at night; a stilted or wrong phrase erodes trust).
constexpr std::array CATALOGUE = {
    Entry{"cold_home", "{room} {value} °C for {duration_min}, below {threshold} °C (cold-home risk)",
          "{room} {value} °C ers {duration_min}, o dan {threshold} °C (perygl cartref oer)"},
    Entry{"cool_home", "{room} {value} °C for {duration_min}, below the advised {threshold} °C",
          "{room} {value} °C ers {duration_min}, o dan y {threshold} °C a argymhellir"},
    Entry{"overheating", "{room} {value} °C at night for {duration_min}, above {threshold} °C",
          "{room} {value} °C yn y nos ers {duration_min}, uwchben {threshold} °C"},
    Entry{"threshold_below", "{device} ({room}) {metric} {value} for {duration_min}, below {threshold}",
          "{device} ({room}) {metric} {value} ers {duration_min}, o dan {threshold}"},
    Entry{"threshold_above", "{device} ({room}) {metric} {value} for {duration_min}, above {threshold}",
          "{device} ({room}) {metric} {value} ers {duration_min}, uwchben {threshold}"},
    Entry{"smoke", "Smoke detected in {room} ({device})", "Mwg wedi'i ganfod yn {room} ({device})"},
    Entry{"co", "Carbon monoxide detected in {room} ({device})", "Carbon monocsid wedi'i ganfod yn {room} ({device})"},
    Entry{"water_leak", "Water leak in {room} ({device})", "Dŵr yn gollwng yn {room} ({device})"},
    Entry{"appliance_left_on", "{device} in {room} on for {duration_min} ({power} W) with nobody in the room",
          "{device} yn {room} ymlaen ers {duration_min} ({power} W) heb neb yn yr ystafell"},
    Entry{"appliance_left_on_auto_off",
          "{device} in {room} on for {duration_min} ({power} W) with nobody in the room; Hearth is switching it off",
          "{device} yn {room} ymlaen ers {duration_min} ({power} W) heb neb yn yr ystafell; mae Hearth yn ei "
          "ddiffodd"},
    Entry{"inactivity", "No movement or appliance use for {duration_min}",
          "Dim symud na defnydd o offer ers {duration_min}"},
    Entry{"night_door", "{device} in {room} opened at {time} during the night",
          "{device} yn {room} wedi'i agor am {time} yn ystod y nos"},
    Entry{"device_offline", "{device} ({room}) offline for {duration_min}",
          "{device} ({room}) all-lein ers {duration_min}"},
    Entry{"device_stale", "{device} ({room}) has sent no data for {duration_min} (usually every {interval_min})",
          "Dim data gan {device} ({room}) ers {duration_min} (fel arfer bob {interval_min})"},
    Entry{"battery_low", "{device} ({room}) battery at {battery} %", "Batri {device} ({room}) ar {battery} %"},
    // Gateway-side device health and actions (clock, automatic switch-off).
    Entry{"clock_unsynchronised",
          "The Hearth box's clock has not been set from the internet for {duration_min}: times shown may be wrong",
          "Nid yw cloc y blwch Hearth wedi'i osod o'r rhyngrwyd ers {duration_min}: gall yr amseroedd fod yn anghywir"},
    Entry{"callback_requested", "{who} asked for a call back", "Mae {who} wedi gofyn am alwad yn ôl"},
    Entry{"callback_requested_tv", "A call back was asked for from the TV", "Gofynnwyd am alwad yn ôl o'r teledu"},
    Entry{"switch_off_failed", "Hearth could not switch off {device} in {room} ({reason}); please check it",
          "Ni allai Hearth ddiffodd {device} yn {room} ({reason}); gwiriwch ef os gwelwch yn dda"},
};

const Entry* find(std::string_view key) {
  for (const auto& e : CATALOGUE) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string param_text(std::string_view name, const std::string& value, Language lang) {
  if (!ends_with(name, "_min")) return value;
  try {
    return format_duration(std::stoll(value), lang);
  } catch (const std::exception&) {
    return value;  // not a number: show it as given rather than lose it
  }
}

}  // namespace

std::string format_duration(long long minutes, Language lang) {
  if (minutes < 0) minutes = 0;
  const long long h = minutes / 60;
  const long long m = minutes % 60;
  const bool en = lang == Language::en;
  std::string out;
  if (h > 0) out = std::to_string(h) + (en ? " h" : " awr");
  if (m > 0 || h == 0) {
    if (!out.empty()) out += ' ';
    out += std::to_string(m) + (en ? " min" : " munud");
  }
  return out;
}

std::string render(std::string_view key, Language lang, const std::map<std::string, std::string>& params) {
  const Entry* e = find(key);
  if (e == nullptr) return std::string(key);
  const std::string_view text = lang == Language::cy ? e->cy : e->en;
  std::string out;
  out.reserve(text.size() + 32);
  std::size_t i = 0;
  while (i < text.size()) {
    const auto open = text.find('{', i);
    const auto close = open == std::string_view::npos ? open : text.find('}', open);
    if (close == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, open - i));
    const std::string name(text.substr(open + 1, close - open - 1));
    const auto it = params.find(name);
    out += it == params.end() ? std::string(text.substr(open, close - open + 1)) : param_text(name, it->second, lang);
    i = close + 1;
  }
  return out;
}

std::vector<std::string_view> message_keys() {
  std::vector<std::string_view> keys;
  for (const auto& e : CATALOGUE) keys.push_back(e.key);
  return keys;
}

bool has_message(std::string_view key, Language lang) {
  const Entry* e = find(key);
  return e != nullptr && !(lang == Language::cy ? e->cy : e->en).empty();
}

}  // namespace hearth::rules
