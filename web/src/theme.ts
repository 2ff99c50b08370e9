// Light and dark: the system's choice until the trader picks one, then theirs.
import { ref, watch } from "vue";

export type Theme = "light" | "dark";
const saved = localStorage.getItem("propdesk.theme");
const system: Theme = matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";

export const theme = ref<Theme>(saved === "light" || saved === "dark" ? saved : system);

watch(
  theme,
  (value) => {
    document.documentElement.dataset.theme = value;
    localStorage.setItem("propdesk.theme", value);
  },
  { immediate: true },
);

/** The chart's colours, read from the theme's CSS variables. */
export function palette(): Record<string, string> {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string) => style.getPropertyValue(name).trim();
  return {
    background: read("--panel"),
    text: read("--text"),
    muted: read("--muted"),
    grid: read("--grid"),
    up: read("--up"),
    down: read("--down"),
    accent: read("--accent"),
    warn: read("--warn"),
  };
}
