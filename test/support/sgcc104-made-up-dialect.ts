/**
 * A made-up fourth family-B dialect, written only as YAML: a one-octet COT and CA, a two-octet IOA,
 * its own login, type identifications (0x90 up, 0x91 down), record numbers and field orders, an
 * ASCII charger id and big-endian measurements. No charger speaks it; it shows that a dialect is a
 * file (issue 15), for the loader's tests and for end-to-end sessions.
 */
export const MADE_UP_DIALECT = `# yaml-language-server: $schema=../schema/sgcc104-dialect.schema.json
kind: sgcc104-dialect
version: 1
name: zz
title: made-up test dialect
confidence: none
currentType: DC
connectors: 2
connectorBase: 0
framing:
  lengthOctets: 1
  privateIoa: true
  cotOctets: 1
  caOctets: 1
  ioaOctets: 2
  commonAddress: 7
  ioa: 0x0102
login:
  prefix: '68 AA 55'
  octets: 16
  fields:
    - { name: gunCount, encoding: uint, octets: 1 }
    - { name: chargerId, encoding: ascii, octets: 10, role: chargerId }
    - { name: spare, encoding: reserved, octets: 2 }
  answer: echo
  answerPatch:
    - { offset: 2, value: 0x56 }
link:
  startDt: true
  clockSync: true
  interrogate: false
  t3: 15
types:
  0x90: { name: ZZ_UP, direction: up }
  0x91: { name: ZZ_DOWN, direction: down }
values:
  ok: { 0: accepted, 9: rejected }
  states: { 0x10: available, 0x11: preparing, 0x12: charging, 0x13: finishing, 0x1F: faulted }
  reasons: { 1: local, 2: remote, 3: evDisconnected, 4: emergencyStop }
  refusals: { 0: Accepted, 1: Invalid, 2: NoCredit, 3: Blocked, 99: default }
records:
  - name: authRequest
    type: 0x90
    record: 0x31
    cause: 3
    meaning: authorizationRequest
    answer: authAnswer
    fields:
      - { name: gun, encoding: uint, octets: 1, role: connector }
      - { name: card, encoding: bcd, octets: 8, order: reversed, role: idToken }
      - { name: station, encoding: ascii, octets: 10, role: chargerId }
  - name: authAnswer
    type: 0x91
    record: 0x31
    cause: 7
    meaning: authorizationResult
    fields:
      - { name: gun, encoding: uint, octets: 1, role: connector }
      - { name: verdict, encoding: uint, octets: 1, role: accepted, values: ok }
      - { name: why, encoding: uint, octets: 1, role: failReason, values: refusals }
      - { name: balance, encoding: uint, octets: 4, endian: big, scale: 0.01, unit: yuan, role: balance }
      - { name: card, encoding: bcd, octets: 8, order: reversed, role: idToken }
  - name: start
    type: 0x91
    record: 0x40
    cause: 6
    meaning: remoteStart
    resultIn: started
    fields:
      - { name: gun, encoding: uint, octets: 1, role: connector }
      - { name: serial, encoding: bcd, octets: 8, role: transactionId }
      - { name: token, encoding: ascii, octets: 20, role: idToken }
  - name: started
    type: 0x90
    record: 0x40
    cause: 7
    meaning: startResult
    fields:
      - { name: gun, encoding: uint, octets: 1, role: connector }
      - { name: verdict, encoding: uint, octets: 1, role: result, values: ok }
      - { name: serial, encoding: bcd, octets: 8, role: transactionId }
  - name: stop
    type: 0x91
    record: 0x41
    cause: 6
    meaning: remoteStop
    resultIn: stopped
    fields:
      - { name: gun, encoding: uint, octets: 1, role: connector }
      - { name: serial, encoding: bcd, octets: 8, role: transactionId }
  - name: stopped
    type: 0x90
    record: 0x41
    cause: 7
    meaning: stopResult
    fields:
      - { name: gun, encoding: uint, octets: 1, role: connector }
      - { name: verdict, encoding: uint, octets: 1, role: result, values: ok }
  - name: sessionOpened
    type: 0x90
    record: 0x52
    cause: 3
    meaning: sessionStart
    answer: sessionOpenedAck
    fields:
      - { name: serial, encoding: bcd, octets: 8, role: transactionId }
      - { name: gun, encoding: uint, octets: 1, role: connector }
      - { name: card, encoding: bcd, octets: 8, order: reversed, role: idToken }
      - { name: begin, encoding: cp56, role: startTime }
      - { name: meterBegin, encoding: uint, octets: 4, endian: big, scale: 0.001, unit: kWh, role: meterStart }
  - name: sessionOpenedAck
    type: 0x91
    record: 0x52
    cause: 7
    meaning: sessionStartAnswer
    fields:
      - { name: serial, encoding: bcd, octets: 8, role: transactionId }
      - { name: gun, encoding: uint, octets: 1, role: connector }
  - name: live
    type: 0x90
    record: 0x50
    cause: 3
    meaning: monitoring
    fields:
      - { name: gun, encoding: uint, octets: 1, role: connector }
      - { name: state, encoding: uint, octets: 1, role: workState, values: states }
      - { name: plug, encoding: uint, octets: 1, role: plugged }
      - { name: volts, encoding: uint, octets: 2, endian: big, scale: 0.1, unit: V, role: voltage }
      - { name: amps, encoding: uint, octets: 2, endian: big, scale: 0.1, unit: A, role: current }
      - { name: register, encoding: uint, octets: 4, endian: big, scale: 0.001, unit: kWh, role: energyRegister }
      - { name: soc, encoding: uint, octets: 1, unit: '%', role: soc }
      - { name: estop, encoding: uint, octets: 1, role: fault, fault: { code: EMERGENCY_STOP, severity: critical } }
  - name: progress
    type: 0x90
    record: 0x51
    cause: 3
    meaning: chargingData
    fields:
      - { name: gun, encoding: uint, octets: 1, role: connector }
      - { name: serial, encoding: bcd, octets: 8, role: transactionId }
      - { name: kwh, encoding: uint, octets: 4, endian: big, scale: 0.001, unit: kWh, role: energy }
      - { name: watts, encoding: uint, octets: 4, endian: big, unit: W, role: power }
  - name: receipt
    type: 0x90
    record: 0x60
    cause: 3
    meaning: chargeRecord
    answer: receiptAck
    fields:
      - { name: serial, encoding: bcd, octets: 8, role: transactionId }
      - { name: gun, encoding: uint, octets: 1, role: connector }
      - { name: why, encoding: uint, octets: 1, role: endReason, values: reasons }
      - { name: begin, encoding: cp56, role: startTime }
      - { name: end, encoding: cp56, role: endTime }
      - { name: meterBegin, encoding: uint, octets: 4, endian: big, scale: 0.001, unit: kWh, role: meterStart }
      - { name: meterEnd, encoding: uint, octets: 4, endian: big, scale: 0.001, unit: kWh, role: meterStop }
      - { name: kwh, encoding: uint, octets: 4, endian: big, scale: 0.001, unit: kWh, role: energy }
      - { name: flatKwh, encoding: uint, octets: 4, endian: big, scale: 0.001, unit: kWh, role: periodEnergy, period: flat }
      - { name: valleyKwh, encoding: uint, octets: 4, endian: big, scale: 0.001, unit: kWh, role: periodEnergy, period: valley }
      - { name: cost, encoding: uint, octets: 4, endian: big, scale: 0.01, unit: yuan, role: amount }
  - name: receiptAck
    type: 0x91
    record: 0x60
    cause: 7
    meaning: recordConfirm
    fields:
      - { name: serial, encoding: bcd, octets: 8, role: transactionId }
      - { name: verdict, encoding: uint, octets: 1, role: result, value: 0 }
  - name: setClock
    type: 0x67
    record: none
    cause: 6
    meaning: clockSync
    fields:
      - { name: now, encoding: cp56, role: time }
`;
