// Types of the stand-in's network behaviours (directory.mjs, outgoing.mjs, groups.mjs,
// restrictions.mjs); the classes using them are declared in index.d.mts.

export interface ContactOptions {
  /** LID user digits or `<digits>@lid`; default: derived from the number */
  lid?: string;
  /** the account's device numbers: default [0] (the phone); [0, 1] adds a companion (usync, bundles, pushes) */
  devices?: number[];
}

export interface Contact {
  /** digits */
  phone: string;
  pnJid: string;
  /** `<digits>@lid` */
  lid: string;
  devices: number[];
}

/** Which outgoing messages end with an error ack (first matching rule wins). */
export interface FailureRule {
  /** the ack's `error`: 463 (restricted / missing tctoken), 479 (smax-invalid), any code */
  error: number | string;
  /** that message only */
  id?: string;
  /** messages to this contact: digits, PN jid or LID jid (its PN and LID both match) */
  to?: string;
  /** the next N matching messages; default 1 with `id`, unlimited otherwise */
  count?: number;
  /** true (default): plain ack first, the error ack afterMs later; false: the error ack instead */
  late?: boolean;
  /** default 500: after Baileys flushed the send's buffered upsert (outgoing.mjs) */
  afterMs?: number;
}

export interface GroupParticipant {
  /** PN or LID jid */
  jid: string;
  /** with a PN jid: its LID (metadata participants[].lid) */
  lid?: string;
  /** with a LID jid: its PN (metadata participants[].phoneNumber) */
  phoneNumber?: string;
  admin?: 'admin' | 'superadmin';
}

export interface GroupOptions {
  /** '1203…' or '1203…@g.us' */
  id: string;
  subject?: string;
  participants?: GroupParticipant[];
  /** creator jid */
  owner?: string;
  addressingMode?: 'pn' | 'lid';
  creation?: number;
  /** <description><body> (group-list.mjs) */
  description?: string;
  /** only admins send (<announcement/>) */
  announce?: boolean;
  /** only admins edit the info (<locked/>) */
  restrict?: boolean;
}

/** One change of FakeWaServer.changeGroup: the w:gp2 notification child it becomes (group-list.mjs). */
export type GroupChange =
  | { subject: string }
  | { announce: boolean }
  | { restrict: boolean }
  | { add: Array<string | GroupParticipant> }
  | { remove: string[] }
  | { promote: string[] }
  | { demote: string[] };

export interface TimelockOptions {
  /** default true; false lifts the timelock */
  active?: boolean;
  /** when the restriction ends: Date or unix seconds (rc14 defaults to now + 60 s when absent) */
  endsAt?: Date | number;
  /** a ReachoutTimelockEnforcementType value; rc14 turns unknown ones into 'DEFAULT' */
  enforcementType?: string;
}

/** Baileys' NewChatMessageCapInfo (Types/State.d.ts:87-96), sent as is. */
export interface MessageCapInfo {
  total_quota?: number;
  used_quota?: number;
  cycle_start_timestamp?: string;
  cycle_end_timestamp?: string;
  server_sent_timestamp?: string;
  ote_status?: 'NOT_ELIGIBLE' | 'ELIGIBLE' | 'ACTIVE_IN_CURRENT_CYCLE' | 'EXHAUSTED';
  mv_status?: 'NOT_ELIGIBLE' | 'NOT_ACTIVE' | 'ACTIVE' | 'ACTIVE_UPGRADE_AVAILABLE';
  capping_status?: 'NONE' | 'FIRST_WARNING' | 'SECOND_WARNING' | 'CAPPED';
}
