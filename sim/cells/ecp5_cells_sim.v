// ECP5 cell library for post-synthesis simulation in Icarus Verilog 11 (mgd-hardware, sim/postsynth.py).
//
// Why not yosys' own share/ecp5/cells_sim.v: Icarus 11 rejects it (cells_ff.vh / cells_io.vh are included twice,
// once by common_sim.vh and once by cells_sim.v; TRELLIS_COMB calls $error inside a generate block), and its
// DP16KD and MULT18X18D are blackboxes (no behaviour). This file is self-contained: no `include, no defines.
//
// Cells copied from Yosys 0.70 (share/ecp5/common_sim.vh and ccu2c_sim.vh, ISC licence, (C) the Yosys authors),
// logic unchanged; only the specify blocks (timing, ignored by Icarus) and synthesis attributes were removed:
//   LUT4, LUT2, PFUMX, L6MUX21, CCU2C, TRELLIS_FF, VLO, VHI, TRELLIS_DPR16X4 (LUT RAM: the folded trainer's small
//   memories)
// Own behavioural models, limited to the configurations yosys' synth_ecp5 emits (see each module's comment):
//   DP16KD (block RAM, every data width), MULT18X18D (DSP multiplier)
// These are the cells a synth_ecp5 netlist of the trainer uses (LUT logic, carry chains, flip-flops, block RAM,
// multipliers). sim/postsynth.py checks that every cell type a netlist instantiates is defined here and refuses
// the rest (e.g. ALU54B, I/O cells) with a clear message.

`timescale 1ps / 1ps

module LUT4(input A, B, C, D, output Z);
    parameter [15:0] INIT = 16'h0000;
    wire [7:0] s3 = D ?     INIT[15:8] :     INIT[7:0];
    wire [3:0] s2 = C ?       s3[ 7:4] :       s3[3:0];
    wire [1:0] s1 = B ?       s2[ 3:2] :       s2[1:0];
    assign Z =      A ?          s1[1] :         s1[0];
endmodule

module LUT2(input A, B, output Z);
    parameter [3:0] INIT = 4'h0;
    wire [1:0] s1 = B ?     INIT[ 3:2] :     INIT[1:0];
    assign Z =      A ?          s1[1] :         s1[0];
endmodule

module PFUMX (input ALUT, BLUT, C0, output Z);
	assign Z = C0 ? ALUT : BLUT;
endmodule

module L6MUX21 (input D0, D1, SD, output Z);
	assign Z = SD ? D1 : D0;
endmodule

module CCU2C(
	input  CIN,
	input  A0, B0, C0, D0, A1, B1, C1, D1,
	output S0, S1,
	output COUT
);
	parameter [15:0] INIT0 = 16'h0000;
	parameter [15:0] INIT1 = 16'h0000;
	parameter INJECT1_0 = "YES";
	parameter INJECT1_1 = "YES";

	// First half
	wire LUT4_0, LUT2_0;
	LUT4 #(.INIT(INIT0)) lut4_0(.A(A0), .B(B0), .C(C0), .D(D0), .Z(LUT4_0));
	LUT2 #(.INIT(INIT0[3:0])) lut2_0(.A(A0), .B(B0), .Z(LUT2_0));
	wire gated_cin_0 = (INJECT1_0 == "YES") ? 1'b0 : CIN;
	assign S0 = LUT4_0 ^ gated_cin_0;

	wire gated_lut2_0 = (INJECT1_0 == "YES") ? 1'b0 : LUT2_0;
	wire cout_0 = (~LUT4_0 & gated_lut2_0) | (LUT4_0 & CIN);

	// Second half
	wire LUT4_1, LUT2_1;
	LUT4 #(.INIT(INIT1)) lut4_1(.A(A1), .B(B1), .C(C1), .D(D1), .Z(LUT4_1));
	LUT2 #(.INIT(INIT1[3:0])) lut2_1(.A(A1), .B(B1), .Z(LUT2_1));
	wire gated_cin_1 = (INJECT1_1 == "YES") ? 1'b0 : cout_0;
	assign S1 = LUT4_1 ^ gated_cin_1;

	wire gated_lut2_1 = (INJECT1_1 == "YES") ? 1'b0 : LUT2_1;
	assign COUT = (~LUT4_1 & gated_lut2_1) | (LUT4_1 & cout_0);

endmodule

module TRELLIS_FF(input CLK, LSR, CE, DI, M, output reg Q);
	parameter GSR = "ENABLED";
	parameter [127:0] CEMUX = "1";
	parameter CLKMUX = "CLK";
	parameter LSRMUX = "LSR";
	parameter SRMODE = "LSR_OVER_CE";
	parameter REGSET = "RESET";
	parameter [127:0] LSRMODE = "LSR";

	wire muxce;
	generate
		case (CEMUX)
			"1": assign muxce = 1'b1;
			"0": assign muxce = 1'b0;
			"INV": assign muxce = ~CE;
			default: assign muxce = CE;
		endcase
	endgenerate

	wire muxlsr = (LSRMUX == "INV") ? ~LSR : LSR;
	wire muxclk = (CLKMUX == "INV") ? ~CLK : CLK;
	wire srval;
	generate
		if (LSRMODE == "PRLD")
			assign srval = M;
		else
			assign srval = (REGSET == "SET") ? 1'b1 : 1'b0;
	endgenerate

	initial Q = srval;

	generate
		if (SRMODE == "ASYNC") begin
			always @(posedge muxclk, posedge muxlsr)
				if (muxlsr)
					Q <= srval;
				else if (muxce)
					Q <= DI;
		end else begin
			always @(posedge muxclk)
				if (muxlsr)
					Q <= srval;
				else if (muxce)
					Q <= DI;
		end
	endgenerate

endmodule

module VLO(output Z);
	assign Z = 1'b0;
endmodule

module VHI(output Z);
	assign Z = 1'b1;
endmodule

// TRELLIS_DPR16X4: 16 x 4 LUT RAM, asynchronous read, write at the WCK edge (copied from yosys' common_sim.vh)
module TRELLIS_DPR16X4 (
	input  [3:0] DI,
	input  [3:0] WAD,
	input        WRE,
	input        WCK,
	input  [3:0] RAD,
	output [3:0] DO
);
	parameter WCKMUX = "WCK";
	parameter WREMUX = "WRE";
	parameter [63:0] INITVAL = 64'h0000000000000000;

	reg [3:0] mem[15:0];

	integer i;
	initial begin
		for (i = 0; i < 16; i = i + 1)
			mem[i] <= INITVAL[4*i +: 4];
	end

	wire muxwck = (WCKMUX == "INV") ? ~WCK : WCK;

	reg muxwre;
	always @(*)
		case (WREMUX)
			"1": muxwre = 1'b1;
			"0": muxwre = 1'b0;
			"INV": muxwre = ~WRE;
			default: muxwre = WRE;
		endcase

	always @(posedge muxwck)
		if (muxwre)
			mem[WAD] <= DI;

	assign DO = mem[RAD];
endmodule

// ---------------------------------------------------------------------------------------------------------------
// DP16KD: 18 Kbit true dual-port block RAM (own behavioural model; yosys ships only a blackbox)
// The array is 1024 rows of 18 bits (two 9-bit bytes); INITVAL_xx holds 16 rows, row i at bits [20*i +: 18]
// (yosys' brams_map_16kd.v layout). How a port of each width addresses it (yosys' memlib model of the cell, which its
// INIT layout follows: each width's word is two words of the next narrower width, plus the byte's 9th bit at 9):
//   18: row ADx[13:4], byte write enables ADx1 (bits 17:9) / ADx0 (bits 8:0)
//    9: row ADx[13:4], byte ADx3
//  4/2/1: row ADx[13:4], sub-word k = ADx[3:2] / ADx[3:1] / ADx[3:0] at bit 9*(k / (8/W)) + W*(k % (8/W)) (the data
//       bits of the two bytes, bits 8 and 17 unused)
//   36 (DATA_WIDTH_A = 36: the pseudo dual-port mode yosys' $__PDPW16KD_ maps to): port A writes word ADA[13:5]
//       ({DIB, DIA}: DIA to row 2*word, DIB to row 2*word + 1) with byte enables ADA3..ADA0 (bytes 35:27 ... 8:0);
//       port B reads it ({DOB, DOA}, DATA_WIDTH_B = 36 only) with CEB, RSTB and CLKB.
// Modelled besides: REGMODE "NOREG" (data out one clock after the address), CSDECODE vs CSx[2:0], CE, WE, WRITEMODE
// NORMAL / WRITETHROUGH / READBEFOREWRITE, RESETMODE SYNC (reset of the output latch, not gated by CE, blocks the
// write) or ASYNC, CLKxMUX "INV". Anything else (OUTREG, a 36-bit port B without a 36-bit port A, a pseudo dual-port
// read narrower than 36) stops the simulation at time 0 with "CELL MODEL ERROR".
// Not modelled: read/write collisions between the ports (a read shows the old word), GSR, the OCEx output enables
// (only used with OUTREG).
module DP16KD(
  input  DIA17, DIA16, DIA15, DIA14, DIA13, DIA12, DIA11, DIA10, DIA9, DIA8, DIA7, DIA6, DIA5, DIA4, DIA3, DIA2, DIA1, DIA0,
  input  ADA13, ADA12, ADA11, ADA10, ADA9, ADA8, ADA7, ADA6, ADA5, ADA4, ADA3, ADA2, ADA1, ADA0,
  input  CEA, OCEA, CLKA, WEA, RSTA, CSA2, CSA1, CSA0,
  output DOA17, DOA16, DOA15, DOA14, DOA13, DOA12, DOA11, DOA10, DOA9, DOA8, DOA7, DOA6, DOA5, DOA4, DOA3, DOA2, DOA1, DOA0,
  input  DIB17, DIB16, DIB15, DIB14, DIB13, DIB12, DIB11, DIB10, DIB9, DIB8, DIB7, DIB6, DIB5, DIB4, DIB3, DIB2, DIB1, DIB0,
  input  ADB13, ADB12, ADB11, ADB10, ADB9, ADB8, ADB7, ADB6, ADB5, ADB4, ADB3, ADB2, ADB1, ADB0,
  input  CEB, OCEB, CLKB, WEB, RSTB, CSB2, CSB1, CSB0,
  output DOB17, DOB16, DOB15, DOB14, DOB13, DOB12, DOB11, DOB10, DOB9, DOB8, DOB7, DOB6, DOB5, DOB4, DOB3, DOB2, DOB1, DOB0
);
	parameter DATA_WIDTH_A = 18;
	parameter DATA_WIDTH_B = 18;
	parameter REGMODE_A = "NOREG";
	parameter REGMODE_B = "NOREG";
	parameter RESETMODE = "SYNC";
	parameter ASYNC_RESET_RELEASE = "SYNC";
	parameter CSDECODE_A = "0b000";
	parameter CSDECODE_B = "0b000";
	parameter WRITEMODE_A = "NORMAL";
	parameter WRITEMODE_B = "NORMAL";
	parameter CLKAMUX = "CLKA";
	parameter CLKBMUX = "CLKB";
	parameter WID = 0;
	parameter GSR = "ENABLED";
	parameter INIT_DATA = "STATIC";
	parameter [319:0] INITVAL_00 = 320'h0; parameter [319:0] INITVAL_01 = 320'h0; parameter [319:0] INITVAL_02 = 320'h0; parameter [319:0] INITVAL_03 = 320'h0;
	parameter [319:0] INITVAL_04 = 320'h0; parameter [319:0] INITVAL_05 = 320'h0; parameter [319:0] INITVAL_06 = 320'h0; parameter [319:0] INITVAL_07 = 320'h0;
	parameter [319:0] INITVAL_08 = 320'h0; parameter [319:0] INITVAL_09 = 320'h0; parameter [319:0] INITVAL_0A = 320'h0; parameter [319:0] INITVAL_0B = 320'h0;
	parameter [319:0] INITVAL_0C = 320'h0; parameter [319:0] INITVAL_0D = 320'h0; parameter [319:0] INITVAL_0E = 320'h0; parameter [319:0] INITVAL_0F = 320'h0;
	parameter [319:0] INITVAL_10 = 320'h0; parameter [319:0] INITVAL_11 = 320'h0; parameter [319:0] INITVAL_12 = 320'h0; parameter [319:0] INITVAL_13 = 320'h0;
	parameter [319:0] INITVAL_14 = 320'h0; parameter [319:0] INITVAL_15 = 320'h0; parameter [319:0] INITVAL_16 = 320'h0; parameter [319:0] INITVAL_17 = 320'h0;
	parameter [319:0] INITVAL_18 = 320'h0; parameter [319:0] INITVAL_19 = 320'h0; parameter [319:0] INITVAL_1A = 320'h0; parameter [319:0] INITVAL_1B = 320'h0;
	parameter [319:0] INITVAL_1C = 320'h0; parameter [319:0] INITVAL_1D = 320'h0; parameter [319:0] INITVAL_1E = 320'h0; parameter [319:0] INITVAL_1F = 320'h0;
	parameter [319:0] INITVAL_20 = 320'h0; parameter [319:0] INITVAL_21 = 320'h0; parameter [319:0] INITVAL_22 = 320'h0; parameter [319:0] INITVAL_23 = 320'h0;
	parameter [319:0] INITVAL_24 = 320'h0; parameter [319:0] INITVAL_25 = 320'h0; parameter [319:0] INITVAL_26 = 320'h0; parameter [319:0] INITVAL_27 = 320'h0;
	parameter [319:0] INITVAL_28 = 320'h0; parameter [319:0] INITVAL_29 = 320'h0; parameter [319:0] INITVAL_2A = 320'h0; parameter [319:0] INITVAL_2B = 320'h0;
	parameter [319:0] INITVAL_2C = 320'h0; parameter [319:0] INITVAL_2D = 320'h0; parameter [319:0] INITVAL_2E = 320'h0; parameter [319:0] INITVAL_2F = 320'h0;
	parameter [319:0] INITVAL_30 = 320'h0; parameter [319:0] INITVAL_31 = 320'h0; parameter [319:0] INITVAL_32 = 320'h0; parameter [319:0] INITVAL_33 = 320'h0;
	parameter [319:0] INITVAL_34 = 320'h0; parameter [319:0] INITVAL_35 = 320'h0; parameter [319:0] INITVAL_36 = 320'h0; parameter [319:0] INITVAL_37 = 320'h0;
	parameter [319:0] INITVAL_38 = 320'h0; parameter [319:0] INITVAL_39 = 320'h0; parameter [319:0] INITVAL_3A = 320'h0; parameter [319:0] INITVAL_3B = 320'h0;
	parameter [319:0] INITVAL_3C = 320'h0; parameter [319:0] INITVAL_3D = 320'h0; parameter [319:0] INITVAL_3E = 320'h0; parameter [319:0] INITVAL_3F = 320'h0;

	// CSDECODE "0bXYZ": the chip-select pattern (CSx2, CSx1, CSx0) that enables the port
	localparam [39:0] CSD_A = CSDECODE_A, CSD_B = CSDECODE_B;
	localparam [2:0] cs_a = {CSD_A[23:16] == "1", CSD_A[15:8] == "1", CSD_A[7:0] == "1"};
	localparam [2:0] cs_b = {CSD_B[23:16] == "1", CSD_B[15:8] == "1", CSD_B[7:0] == "1"};
	localparam PDP = DATA_WIDTH_A == 36;

	reg [17:0] mem [0:1023];
	reg [20479:0] initval;
	integer w;
	initial begin
		if (!(DATA_WIDTH_A == 1 || DATA_WIDTH_A == 2 || DATA_WIDTH_A == 4 || DATA_WIDTH_A == 9 ||
		      DATA_WIDTH_A == 18 || DATA_WIDTH_A == 36) ||
		    !(DATA_WIDTH_B == 1 || DATA_WIDTH_B == 2 || DATA_WIDTH_B == 4 || DATA_WIDTH_B == 9 ||
		      DATA_WIDTH_B == 18 || DATA_WIDTH_B == 36) ||
		    (DATA_WIDTH_B == 36) != PDP || REGMODE_A != "NOREG" || REGMODE_B != "NOREG") begin
			$display("CELL MODEL ERROR: DP16KD %m: DATA_WIDTH %0d/%0d, REGMODE %0s/%0s not modelled",
			         DATA_WIDTH_A, DATA_WIDTH_B, REGMODE_A, REGMODE_B);
			$finish;
		end
		initval = {INITVAL_3F, INITVAL_3E, INITVAL_3D, INITVAL_3C, INITVAL_3B, INITVAL_3A, INITVAL_39, INITVAL_38, INITVAL_37, INITVAL_36, INITVAL_35, INITVAL_34, INITVAL_33, INITVAL_32, INITVAL_31, INITVAL_30, INITVAL_2F, INITVAL_2E, INITVAL_2D, INITVAL_2C, INITVAL_2B, INITVAL_2A, INITVAL_29, INITVAL_28, INITVAL_27, INITVAL_26, INITVAL_25, INITVAL_24, INITVAL_23, INITVAL_22, INITVAL_21, INITVAL_20, INITVAL_1F, INITVAL_1E, INITVAL_1D, INITVAL_1C, INITVAL_1B, INITVAL_1A, INITVAL_19, INITVAL_18, INITVAL_17, INITVAL_16, INITVAL_15, INITVAL_14, INITVAL_13, INITVAL_12, INITVAL_11, INITVAL_10, INITVAL_0F, INITVAL_0E, INITVAL_0D, INITVAL_0C, INITVAL_0B, INITVAL_0A, INITVAL_09, INITVAL_08, INITVAL_07, INITVAL_06, INITVAL_05, INITVAL_04, INITVAL_03, INITVAL_02, INITVAL_01, INITVAL_00};
		for (w = 0; w < 1024; w = w + 1)
			mem[w] = initval[(w / 16) * 320 + (w % 16) * 20 +: 18];
	end

	// where a port of width W (1, 2, 4, 9, 18) finds its word in an 18-bit row: bit offset and mask (18: byte enables)
	function integer offset(input integer width, input [13:0] ad);
		integer k, per;
		begin
			if (width == 18) offset = 0;
			else if (width == 9) offset = ad[3] ? 9 : 0;
			else begin
				k = ad[3:0] / width;
				per = 8 / width;
				offset = 9 * (k / per) + width * (k % per);
			end
		end
	endfunction
	function [17:0] mask_of(input integer width, input [13:0] ad);
		begin
			if (width == 18) mask_of = {{9{ad[1]}}, {9{ad[0]}}};
			else mask_of = ((18'd1 << width) - 18'd1) << offset(width, ad);
		end
	endfunction
	function [17:0] place(input integer width, input [13:0] ad, input [17:0] di);   // write data moved to its bits
		begin
			if (width == 18) place = di;
			else place = (di & ((18'd1 << width) - 18'd1)) << offset(width, ad);
		end
	endfunction
	function [17:0] pick(input integer width, input [13:0] ad, input [17:0] row);   // what the port shows of a row
		begin
			if (width == 18) pick = row;
			else pick = (row >> offset(width, ad)) & ((18'd1 << width) - 18'd1);
		end
	endfunction

	wire [17:0] dia = {DIA17, DIA16, DIA15, DIA14, DIA13, DIA12, DIA11, DIA10, DIA9, DIA8, DIA7, DIA6, DIA5, DIA4, DIA3, DIA2, DIA1, DIA0};
	wire [13:0] ada = {ADA13, ADA12, ADA11, ADA10, ADA9, ADA8, ADA7, ADA6, ADA5, ADA4, ADA3, ADA2, ADA1, ADA0};
	wire clka = (CLKAMUX == "INV") ? ~CLKA : CLKA;
	wire sela = CEA && ({CSA2, CSA1, CSA0} == cs_a);
	reg [17:0] doa = 18'b0;
	assign {DOA17, DOA16, DOA15, DOA14, DOA13, DOA12, DOA11, DOA10, DOA9, DOA8, DOA7, DOA6, DOA5, DOA4, DOA3, DOA2, DOA1, DOA0} = doa;
	wire [17:0] dib = {DIB17, DIB16, DIB15, DIB14, DIB13, DIB12, DIB11, DIB10, DIB9, DIB8, DIB7, DIB6, DIB5, DIB4, DIB3, DIB2, DIB1, DIB0};
	wire [13:0] adb = {ADB13, ADB12, ADB11, ADB10, ADB9, ADB8, ADB7, ADB6, ADB5, ADB4, ADB3, ADB2, ADB1, ADB0};
	wire clkb = (CLKBMUX == "INV") ? ~CLKB : CLKB;
	wire selb = CEB && ({CSB2, CSB1, CSB0} == cs_b);
	reg [17:0] dob = 18'b0;
	assign {DOB17, DOB16, DOB15, DOB14, DOB13, DOB12, DOB11, DOB10, DOB9, DOB8, DOB7, DOB6, DOB5, DOB4, DOB3, DOB2, DOB1, DOB0} = dob;

	generate
	if (PDP) begin : pdp
		// ---- pseudo dual port: A writes 36-bit words, B reads them
		wire [9:0] lo_w = {ada[13:5], 1'b0}, hi_w = {ada[13:5], 1'b1};
		wire [9:0] lo_r = {adb[13:5], 1'b0}, hi_r = {adb[13:5], 1'b1};
		wire write = sela && WEA;
		always @(posedge clka)
			if (write) begin
				mem[lo_w] <= (mem[lo_w] & ~{{9{ada[1]}}, {9{ada[0]}}}) | (dia & {{9{ada[1]}}, {9{ada[0]}}});
				mem[hi_w] <= (mem[hi_w] & ~{{9{ada[3]}}, {9{ada[2]}}}) | (dib & {{9{ada[3]}}, {9{ada[2]}}});
			end
		if (RESETMODE == "ASYNC") begin : async_r
			always @(posedge clkb, posedge RSTB)
				if (RSTB) {dob, doa} <= 36'b0;
				else if (selb) {dob, doa} <= {mem[hi_r], mem[lo_r]};
		end else begin : sync_r
			always @(posedge clkb)
				if (RSTB) {dob, doa} <= 36'b0;
				else if (selb) {dob, doa} <= {mem[hi_r], mem[lo_r]};
		end
	end else begin : tdp
		// ---- port A
		wire [9:0] row_a = ada[13:4];
		wire [17:0] mask_a = mask_of(DATA_WIDTH_A, ada);
		wire write_a = sela && WEA && !(RESETMODE == "SYNC" && RSTA);
		wire [17:0] old_a = mem[row_a];
		wire [17:0] new_a = (old_a & ~mask_a) | (place(DATA_WIDTH_A, ada, dia) & mask_a);
		always @(posedge clka)
			if (write_a)
				mem[row_a] <= new_a;
		wire [17:0] next_do_a = !write_a ? pick(DATA_WIDTH_A, ada, old_a) :
		                        (WRITEMODE_A == "WRITETHROUGH") ? pick(DATA_WIDTH_A, ada, new_a) :
		                        (WRITEMODE_A == "READBEFOREWRITE") ? pick(DATA_WIDTH_A, ada, old_a) : doa;
		if (RESETMODE == "ASYNC") begin : async_a
			always @(posedge clka, posedge RSTA)
				if (RSTA) doa <= 18'b0;
				else if (sela) doa <= next_do_a;
		end else begin : sync_a
			always @(posedge clka)
				if (RSTA) doa <= 18'b0;
				else if (sela) doa <= next_do_a;
		end

		// ---- port B
		wire [9:0] row_b = adb[13:4];
		wire [17:0] mask_b = mask_of(DATA_WIDTH_B, adb);
		wire write_b = selb && WEB && !(RESETMODE == "SYNC" && RSTB);
		wire [17:0] old_b = mem[row_b];
		wire [17:0] new_b = (old_b & ~mask_b) | (place(DATA_WIDTH_B, adb, dib) & mask_b);
		always @(posedge clkb)
			if (write_b)
				mem[row_b] <= new_b;
		wire [17:0] next_do_b = !write_b ? pick(DATA_WIDTH_B, adb, old_b) :
		                        (WRITEMODE_B == "WRITETHROUGH") ? pick(DATA_WIDTH_B, adb, new_b) :
		                        (WRITEMODE_B == "READBEFOREWRITE") ? pick(DATA_WIDTH_B, adb, old_b) : dob;
		if (RESETMODE == "ASYNC") begin : async_b
			always @(posedge clkb, posedge RSTB)
				if (RSTB) dob <= 18'b0;
				else if (selb) dob <= next_do_b;
		end else begin : sync_b
			always @(posedge clkb)
				if (RSTB) dob <= 18'b0;
				else if (selb) dob <= next_do_b;
		end
	end
	endgenerate
endmodule

// ---------------------------------------------------------------------------------------------------------------
// MULT18X18D: 18x18 multiplier of the ECP5 DSP slice (own behavioural model; yosys ships only a blackbox)
// Modelled: the combinational configuration yosys' dsp_map_18x18.v instantiates ($__MUL18X18 -> MULT18X18D with
// every REG_* = "NONE"): P = A * B, each operand two's complement when SIGNEDA / SIGNEDB is 1, unsigned when 0
// (mul2dsp splits wider products into an unsigned low part times a signed high part, so mixed signs occur).
// SIGNEDP = SIGNEDA | SIGNEDB. Not modelled: input/pipeline/output registers (any REG_*_CLK other than "NONE" stops
// the simulation at time 0 with "CELL MODEL ERROR"), MULT_BYPASS, the shift-in inputs selected by SOURCEA/SOURCEB
// (P goes to x if either is 1), C (only used by ALU54B) and the cascade outputs ROA/ROB/ROC/SROA/SROB (driven x).
module MULT18X18D(
  input  A17, A16, A15, A14, A13, A12, A11, A10, A9, A8, A7, A6, A5, A4, A3, A2, A1, A0,
  input  B17, B16, B15, B14, B13, B12, B11, B10, B9, B8, B7, B6, B5, B4, B3, B2, B1, B0,
  input  C17, C16, C15, C14, C13, C12, C11, C10, C9, C8, C7, C6, C5, C4, C3, C2, C1, C0,
  input  SIGNEDA, SIGNEDB, SOURCEA, SOURCEB,
  input  CLK3, CLK2, CLK1, CLK0, CE3, CE2, CE1, CE0, RST3, RST2, RST1, RST0,
  input  SRIA17, SRIA16, SRIA15, SRIA14, SRIA13, SRIA12, SRIA11, SRIA10, SRIA9, SRIA8, SRIA7, SRIA6, SRIA5, SRIA4, SRIA3, SRIA2, SRIA1, SRIA0,
  input  SRIB17, SRIB16, SRIB15, SRIB14, SRIB13, SRIB12, SRIB11, SRIB10, SRIB9, SRIB8, SRIB7, SRIB6, SRIB5, SRIB4, SRIB3, SRIB2, SRIB1, SRIB0,
  output SROA17, SROA16, SROA15, SROA14, SROA13, SROA12, SROA11, SROA10, SROA9, SROA8, SROA7, SROA6, SROA5, SROA4, SROA3, SROA2, SROA1, SROA0,
  output SROB17, SROB16, SROB15, SROB14, SROB13, SROB12, SROB11, SROB10, SROB9, SROB8, SROB7, SROB6, SROB5, SROB4, SROB3, SROB2, SROB1, SROB0,
  output ROA17, ROA16, ROA15, ROA14, ROA13, ROA12, ROA11, ROA10, ROA9, ROA8, ROA7, ROA6, ROA5, ROA4, ROA3, ROA2, ROA1, ROA0,
  output ROB17, ROB16, ROB15, ROB14, ROB13, ROB12, ROB11, ROB10, ROB9, ROB8, ROB7, ROB6, ROB5, ROB4, ROB3, ROB2, ROB1, ROB0,
  output ROC17, ROC16, ROC15, ROC14, ROC13, ROC12, ROC11, ROC10, ROC9, ROC8, ROC7, ROC6, ROC5, ROC4, ROC3, ROC2, ROC1, ROC0,
  output P35, P34, P33, P32, P31, P30, P29, P28, P27, P26, P25, P24, P23, P22, P21, P20, P19, P18, P17, P16, P15, P14, P13, P12, P11, P10, P9, P8, P7, P6, P5, P4, P3, P2, P1, P0,
  output SIGNEDP
);
	parameter REG_INPUTA_CLK = "NONE";
	parameter REG_INPUTA_CE = "CE0";
	parameter REG_INPUTA_RST = "RST0";
	parameter REG_INPUTB_CLK = "NONE";
	parameter REG_INPUTB_CE = "CE0";
	parameter REG_INPUTB_RST = "RST0";
	parameter REG_INPUTC_CLK = "NONE";
	parameter REG_INPUTC_CE = "CE0";
	parameter REG_INPUTC_RST = "RST0";
	parameter REG_PIPELINE_CLK = "NONE";
	parameter REG_PIPELINE_CE = "CE0";
	parameter REG_PIPELINE_RST = "RST0";
	parameter REG_OUTPUT_CLK = "NONE";
	parameter REG_OUTPUT_CE = "CE0";
	parameter REG_OUTPUT_RST = "RST0";
	parameter CLK0_DIV = "ENABLED";
	parameter CLK1_DIV = "ENABLED";
	parameter CLK2_DIV = "ENABLED";
	parameter CLK3_DIV = "ENABLED";
	parameter HIGHSPEED_CLK = "NONE";
	parameter GSR = "ENABLED";
	parameter CAS_MATCH_REG = "FALSE";
	parameter SOURCEB_MODE = "B_SHIFT";
	parameter MULT_BYPASS = "DISABLED";
	parameter RESETMODE = "SYNC";

	initial
		if (REG_INPUTA_CLK != "NONE" || REG_INPUTB_CLK != "NONE" || REG_INPUTC_CLK != "NONE" ||
		    REG_PIPELINE_CLK != "NONE" || REG_OUTPUT_CLK != "NONE" || MULT_BYPASS != "DISABLED") begin
			$display("CELL MODEL ERROR: MULT18X18D %m: registered or bypass configuration not modelled");
			$finish;
		end

	wire [17:0] a = {A17, A16, A15, A14, A13, A12, A11, A10, A9, A8, A7, A6, A5, A4, A3, A2, A1, A0};
	wire [17:0] b = {B17, B16, B15, B14, B13, B12, B11, B10, B9, B8, B7, B6, B5, B4, B3, B2, B1, B0};
	wire signed [18:0] sa = {SIGNEDA & a[17], a};
	wire signed [18:0] sb = {SIGNEDB & b[17], b};
	wire signed [37:0] product = sa * sb;
	wire shifted = (SOURCEA === 1'b1) || (SOURCEB === 1'b1);
	assign {P35, P34, P33, P32, P31, P30, P29, P28, P27, P26, P25, P24, P23, P22, P21, P20, P19, P18, P17, P16, P15, P14, P13, P12, P11, P10, P9, P8, P7, P6, P5, P4, P3, P2, P1, P0} = shifted ? 36'bx : product[35:0];
	assign SIGNEDP = SIGNEDA | SIGNEDB;
	assign {SROA17, SROA16, SROA15, SROA14, SROA13, SROA12, SROA11, SROA10, SROA9, SROA8, SROA7, SROA6, SROA5, SROA4, SROA3, SROA2, SROA1, SROA0} = 18'bx;
	assign {SROB17, SROB16, SROB15, SROB14, SROB13, SROB12, SROB11, SROB10, SROB9, SROB8, SROB7, SROB6, SROB5, SROB4, SROB3, SROB2, SROB1, SROB0} = 18'bx;
	assign {ROA17, ROA16, ROA15, ROA14, ROA13, ROA12, ROA11, ROA10, ROA9, ROA8, ROA7, ROA6, ROA5, ROA4, ROA3, ROA2, ROA1, ROA0} = 18'bx;
	assign {ROB17, ROB16, ROB15, ROB14, ROB13, ROB12, ROB11, ROB10, ROB9, ROB8, ROB7, ROB6, ROB5, ROB4, ROB3, ROB2, ROB1, ROB0} = 18'bx;
	assign {ROC17, ROC16, ROC15, ROC14, ROC13, ROC12, ROC11, ROC10, ROC9, ROC8, ROC7, ROC6, ROC5, ROC4, ROC3, ROC2, ROC1, ROC0} = 18'bx;
endmodule
