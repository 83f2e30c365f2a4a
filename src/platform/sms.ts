import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { outboundAllow, postOutbound, statusLine } from './outbound.js';
import { maskPhone } from './phone-codes.js';

/*
 * Where citizen phone codes go (docs/公众服务接口.md, “短信网关”): the plate verification of 公众服务
 * and the work-order lookup of the complaint pages. One interface, two
 * senders: the city's SMS gateway over HTTP (ZHIBO_SMS_URL, through the outbound guard of
 * src/platform/outbound.ts), and a development sender that writes the text to the server log.
 */

export interface SmsMessage {
  /** 11-digit mainland mobile number. */
  phone: string;
  /** The gateway's template: `verification` (验证码). */
  template: 'verification';
  params: { code: string; minutes: number };
  /** The full text, for gateways without templates. */
  text: string;
}

export interface SmsSender {
  readonly kind: 'http' | 'development';
  /** Resolves when the gateway accepted the message; throws with a one-line reason otherwise. */
  send(message: SmsMessage): Promise<void>;
}

/**
 * POSTs `{ phone, template, params, text }` as JSON with `Authorization: Bearer ZHIBO_SMS_TOKEN`;
 * any 2xx is accepted. The gateway's answer is never logged or shown (it may echo the phone).
 */
export function httpSmsSender(url: string, token: string | null, allow: readonly string[]): SmsSender {
  const guard = outboundAllow(allow);
  return {
    kind: 'http',
    async send(message) {
      const res = await postOutbound(url, {
        allow: guard,
        headers: { 'content-type': 'application/json; charset=utf-8', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(message),
        timeoutMs: 10_000,
      });
      if (res.status < 200 || res.status >= 300) throw new Error(`SMS gateway answered ${statusLine(res)}`);
    },
  };
}

/** Writes the message to the log, the phone masked: for development and the demo only. */
export function developmentSmsSender(log: Logger): SmsSender {
  return {
    kind: 'development',
    async send(message) {
      log.info({ sms: 'development', phone: maskPhone(message.phone) }, `短信（开发发送器，未真正发送）${maskPhone(message.phone)}：${message.text}`);
    },
  };
}

export function smsSenderFor(config: Pick<Config, 'smsUrl' | 'smsToken' | 'outboundAllow'>, log: Logger): SmsSender {
  return config.smsUrl ? httpSmsSender(config.smsUrl, config.smsToken ?? null, config.outboundAllow) : developmentSmsSender(log);
}
