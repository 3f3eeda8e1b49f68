// Types of content-builders.mjs: proto.IMessage objects to push with conn.pushMessage({ from, message }).
type Content = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export declare function editContent(o: { targetId: string; chat: string; text: string; timestampMs?: number }): Content;
export declare function revokeContent(o: { targetId: string; chat: string; fromMe?: boolean; participant?: string }): Content;
export declare function reactionContent(o: { targetId: string; chat: string; emoji: string; targetFromSender?: boolean; participant?: string; senderTimestampMs?: number }): Content;
export declare function optionHash(name: string): Buffer;
export declare function pollVoteContent(o: {
  pollId: string;
  chat: string;
  secret: Uint8Array;
  pollCreatorJid: string;
  voterJid: string;
  options: string[];
  creatorIsVoter?: boolean;
  participant?: string;
  iv?: Uint8Array;
  senderTimestampMs?: number;
}): { pollUpdateMessage: { pollCreationMessageKey: Content; vote: { encPayload: Buffer; encIv: Uint8Array }; senderTimestampMs: number } };
