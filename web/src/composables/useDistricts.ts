// Reference lists shared by pages (districts, operators, sources), loaded once per session and on demand.
import { computed, ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { registryApi } from '../api/endpoints';
import type { Schemas } from '../api/client';

const districts = ref<Schemas['District'][]>([]);
let districtsLoading: Promise<void> | null = null;

export function useDistricts() {
  const { locale } = useI18n();
  const load = (force = false): Promise<void> => {
    if (force || !districtsLoading) {
      districtsLoading = registryApi.districts().then(
        (r) => {
          districts.value = [...r.items].sort((a, b) => a.sortOrder - b.sortOrder || a.code.localeCompare(b.code));
        },
        (e: unknown) => {
          districtsLoading = null;
          throw e;
        },
      );
    }
    return districtsLoading;
  };
  const label = (d: Schemas['District']) => (locale.value === 'en' && d.nameEn ? d.nameEn : d.name);
  const nameOf = (code: string | null | undefined): string => {
    if (!code) return '—';
    const d = districts.value.find((x) => x.code === code);
    return d ? label(d) : code;
  };
  const options = computed(() => districts.value.map((d) => ({ value: d.code, label: label(d) })));
  return { districts, load, nameOf, label, options };
}

export function useOperators() {
  const operators = ref<Schemas['Operator'][]>([]);
  const load = async () => {
    operators.value = (await registryApi.operators()).items;
  };
  return { operators, load };
}

export function useSources() {
  const sources = ref<Schemas['DataSource'][]>([]);
  const load = async () => {
    sources.value = (await registryApi.sources()).items;
  };
  return { sources, load };
}

export interface LotSuggestion {
  value: string;
  name: string;
}

/** el-autocomplete's fetch-suggestions for a lot field: lots whose code or name holds the text (20 at most). */
export function suggestLots(query: string, callback: (items: LotSuggestion[]) => void): void {
  registryApi
    .lots({ q: query.trim(), limit: 20 })
    .then((page) => callback(page.items.map((l) => ({ value: l.code, name: l.name }))))
    .catch(() => callback([]));
}
