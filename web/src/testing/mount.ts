// Helpers of the console's component tests (Vitest + @vue/test-utils on happy-dom): the real
// Element Plus and i18n (zh-CN), and a memory router when a test needs the URL.
import { mount, type ComponentMountingOptions } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import { defineComponent, h, type Component } from 'vue';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import { i18n } from '../i18n';

export function mountUi<C extends Component>(component: C, options: ComponentMountingOptions<C> & { router?: Router } = {}) {
  const { router, ...rest } = options;
  const plugins = [ElementPlus, i18n, ...(router ? [router] : [])];
  return mount(component, { attachTo: document.body, ...rest, global: { ...rest.global, plugins } } as ComponentMountingOptions<C>);
}

/** A router with the list page at /list (name 'list') and another page at /other. */
export function listRouter(): Router {
  const Empty = defineComponent({ render: () => h('div') });
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/list', name: 'list', component: Empty },
      { path: '/other', name: 'other', component: Empty },
    ],
  });
}

/** A promise resolved or rejected from outside, to answer requests in any order. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
