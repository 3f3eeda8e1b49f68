/**
 * What the CRM reads through an instance (GET /instance/:id/groups, /groups/:groupId,
 * /contacts/:contact): groups the number is in and what WhatsApp tells about a contact. Both
 * drivers answer in these shapes (Baileys: baileys/crm-reads.ts, sandbox: sandbox/crm-reads.ts).
 */

/** One group the number participates in. Jids are as WhatsApp named them (PN or LID). */
export interface GroupSummary {
  /** `<digits>[-<digits>]@g.us` */
  id: string;
  subject: string;
  /** participant count */
  size: number;
  /** who created it, when WhatsApp says */
  owner: string | null;
  /** the creator's phone-number JID, when the group is LID-addressed and WhatsApp told it */
  ownerPn: string | null;
  /** unix seconds */
  creation: number | null;
  /** only admins may send */
  announce: boolean;
  /** only admins may edit the group's info */
  restrict: boolean;
  /** new members need an admin's approval */
  joinApprovalMode: boolean;
  /** every member may add members */
  memberAddMode: boolean;
  isCommunity: boolean;
  isCommunityAnnounce: boolean;
  /** 'lid': participants are named by LID */
  addressingMode: 'pn' | 'lid';
  /** disappearing messages, seconds; null when off */
  ephemeralDuration: number | null;
}

export interface GroupParticipant {
  /** the id the group uses for the participant (PN or LID JID) */
  jid: string;
  /** digits, when known */
  phone: string | null;
  /** `<digits>@lid`, when known */
  lid: string | null;
  admin: 'admin' | 'superadmin' | null;
  isAdmin: boolean;
  isSuperAdmin: boolean;
}

export interface GroupDetails extends GroupSummary {
  description: string | null;
  subjectOwner: string | null;
  /** unix seconds */
  subjectTime: number | null;
  participants: GroupParticipant[];
}

/** What the session knows about a contact (PN jid and/or LID given, at least one). */
export interface ContactQuery {
  pnJid?: string;
  lid?: string;
}

export interface ContactProfile {
  /** the other identity, when the session's LID mapping knows it */
  pnJid: string | null;
  lid: string | null;
  /** the name saved in the account's address book (app-state contact sync) */
  name: string | null;
  /** the contact's own push name, from their messages or the push-name sync */
  notify: string | null;
  /** a business account's verified name */
  verifiedName: string | null;
  /** the profile picture URL (preview size); null when none is set or it is hidden from this number */
  pictureUrl: string | null;
  /** 'set': pictureUrl has it; 'none': no picture (WhatsApp 404); 'hidden': privacy settings hide it (401) */
  picture: 'set' | 'none' | 'hidden';
}
