#include "rules/messages.h"

#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace hearth::rules;

TEST(Messages, EveryKeyHasEnglishAndWelsh) {
  ASSERT_FALSE(message_keys().empty());
  for (auto key : message_keys()) {
    EXPECT_TRUE(has_message(key, Language::en)) << key;
    EXPECT_TRUE(has_message(key, Language::cy)) << key;
    EXPECT_NE(render(key, Language::en, {}), render(key, Language::cy, {})) << key << " Welsh is a copy of English";
  }
}

TEST(Messages, BothLanguagesUseTheSamePlaceholders) {
  const auto placeholders = [](std::string s) {
    std::vector<std::string> out;
    for (auto open = s.find('{'); open != std::string::npos; open = s.find('{', open + 1)) {
      out.push_back(s.substr(open, s.find('}', open) - open + 1));
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  for (auto key : message_keys()) {
    EXPECT_EQ(placeholders(render(key, Language::en, {})), placeholders(render(key, Language::cy, {}))) << key;
  }
}

TEST(Messages, ColdHomeExampleFromTheIssue) {
  const std::map<std::string, std::string> p{
      {"room", "Living room"}, {"value", "14.2"}, {"duration_min", "130"}, {"threshold", "16"}};
  EXPECT_THAT(render("cold_home", Language::en, p),
              ::testing::StartsWith("Living room 14.2 °C for 2 h 10 min, below 16 °C"));
  EXPECT_THAT(render("cold_home", Language::cy, p),
              ::testing::StartsWith("Living room 14.2 °C ers 2 awr 10 munud, o dan 16 °C"));
}

TEST(Messages, DurationsInBothLanguages) {
  EXPECT_EQ(format_duration(0, Language::en), "0 min");
  EXPECT_EQ(format_duration(45, Language::en), "45 min");
  EXPECT_EQ(format_duration(120, Language::en), "2 h");
  EXPECT_EQ(format_duration(130, Language::cy), "2 awr 10 munud");
}

TEST(Messages, MissingParameterStaysVisibleAndUnknownKeyRendersKey) {
  EXPECT_EQ(render("battery_low", Language::en, {{"device", "Door"}}), "Door ({room}) battery at {battery} %");
  EXPECT_EQ(render("no_such_key", Language::cy, {}), "no_such_key");
  EXPECT_EQ(render("inactivity", Language::en, {{"duration_min", "not a number"}}),
            "No movement or appliance use for not a number");
}
